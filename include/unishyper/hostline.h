/*
 * A host command's line to its launcher (kernel/hostline.c): the host's
 * wall clock at start, and the signals sent to the host command.
 */
#ifndef UNISHYPER_HOSTLINE_H
#define UNISHYPER_HOSTLINE_H

/* When the machine has the virtio-console port "host": sets the wall clock
 * to the host's, and starts posting the signals the launcher forwards. */
void hostline_start(void);

#endif
