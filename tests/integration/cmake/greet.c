const char *greet(void)
{
	return "hello from a CMake project";
}
