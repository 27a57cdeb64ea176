/* kn_priv.h -- shared internals of kernel/ (not a public contract).
 *
 * Threads and who owns what:
 *   main (shell) thread -- shell and stdin ROUTERs, runs the interpreter,
 *                          history, a PUSH into the publisher;
 *   control thread      -- control ROUTER, a PUSH into the publisher, a
 *                          PAIR to wake the shell thread; watches the parent;
 *   publisher thread    -- the iopub XPUB (welcome on every subscription) and
 *                          the inproc PULL all iopub traffic goes through, so
 *                          each thread's messages keep their order; it also
 *                          coalesces stream text;
 *   heartbeat thread    -- ROUTER echo (zmq_proxy onto itself).
 */
#ifndef KN_PRIV_H
#define KN_PRIV_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include <zmq.h>

#include "kn_conn.h"
#include "kn_hist.h"
#include "kn_interp.h"
#include "kn_kernel.h"
#include "kn_wire.h"

/* KN_ASSERT(cond): an invariant a kernel header states.  Checked in Debug,
 * sanitizer and fuzz builds (CMake defines YTK_ASSERTS, as for lib/'s
 * YTK_ASSERT -- kernel/ does not include lib/), not evaluated otherwise.
 * A failure prints "file:line: func: assertion `cond' failed" and aborts. */
#if defined(YTK_ASSERTS)
#define KN_ASSERT(cond)                                                        \
    ((cond) ? (void)0 : kn_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define KN_ASSERT(cond) ((void)sizeof(!(cond)))
#endif
void kn_assert_fail(const char *expr, const char *file, int line,
                    const char *func) __attribute__((noreturn));

#define KN_PUB_ENDPOINT "inproc://ytk-iopub"
#define KN_WAKE_ENDPOINT "inproc://ytk-wake"

/* Inproc message kinds (first frame) to the publisher. */
#define KN_PUB_MSG 'M'    /* topic + wire frames, forwarded as is */
#define KN_PUB_STREAM 'S' /* name ('o'/'e'), parent header, text */
#define KN_PUB_FLUSH 'F'  /* flush pending stream text now */
#define KN_PUB_QUIT 'Q'   /* drain, flush and stop */

/* Largest frame a peer may send on each channel (ZMQ_MAXMSGSIZE, which
 * libzmq checks per frame: a peer sending a larger one is disconnected and
 * what it sent so far is dropped).  Shell carries cells; control, stdin
 * and heartbeat carry a few hundred bytes (heartbeat: whatever a client
 * pings with, echoed); on iopub a peer only subscribes
 * (0x01 + topic).  libzmq has no cap on the number of frames in a message,
 * so a peer that never finishes one is bounded per frame only: see
 * kernel/README.md. */
#define KN_MAX_FRAME_SHELL (16LL * 1024 * 1024)
#define KN_MAX_FRAME_CONTROL (1024LL * 1024)
#define KN_MAX_FRAME_STDIN (1024LL * 1024)
#define KN_MAX_FRAME_HB (64LL * 1024)
#define KN_MAX_FRAME_IOPUB 1024LL
/* Longest subscription answered with an iopub_welcome; a real topic is
 * "kernel.<uuid>.<msg_type>" (under 80 bytes), clients subscribe to "". */
#define KN_MAX_TOPIC 200
/* Frames kept per message (more are received and dropped with it). */
#define KN_MAX_FRAMES 256

#define KN_STREAM_FLUSH_BYTES 8192
#define KN_STREAM_FLUSH_MS 50

struct kn_kernel {
    void *zctx;
    struct kn_conn conn;
    struct kn_sess sess;
    const struct kn_interp *in;
    struct kn_hist *hist;
    cJSON *kinfo; /* kernel_info_reply content, read-only after start */

    void *sock[KN_NCHAN];       /* bound sockets */
    int bound[KN_NCHAN];        /* bind succeeded (ipc files to unlink) */
    void *pub_pull;             /* publisher side of the inproc queue */
    void *shell_push;           /* main thread -> publisher */
    void *ctl_push;             /* control thread -> publisher */
    void *wake_main, *wake_ctl; /* inproc PAIR, control -> main */

    pthread_t t_shell; /* the thread running kn_kernel_run (interpreter) */
    pthread_t t_ctl, t_pub, t_hb;
    int have_ctl, have_pub, have_hb;

    struct kn_replay *replay; /* recent signatures (NULL when unsigned) */

    int execution_count;
    int aborting; /* answering the deferred requests below */
    /* Requests that were already queued when a cell failed with
     * stop_on_error: collected before that cell's reply is sent (so nothing
     * sent after the client saw the reply is caught), answered after its
     * idle -- executes with an error reply, the rest normally. */
    struct kn_msg *deferred;
    size_t ndeferred;
    int trim_pending; /* a large cell ran: malloc_trim once idle is out */
    /* After such a failure (not an interrupt), also abort every execute
     * request with stop_on_error that arrives before abort_until_ms (the
     * failing cell's start + stop_on_error_ms, CLOCK_MONOTONIC), and every
     * one from the same
     * session whose header date is not later than fail_date_us: the failing
     * request's own date plus how long it ran, i.e. the failure on the
     * client's clock (so skew between machines does not matter). */
    int stop_on_error_ms;
    long long abort_until_ms;
    long long fail_date_us; /* 0: no date rule */
    char fail_session[64];
    atomic_int stop; /* shutting down */
    atomic_int restart;
    pid_t parent_pid; /* JPY_PARENT_PID, 0 when unset */
    pid_t start_ppid;
};

/* Replay guard: the signatures of recently accepted messages, in two
 * generations of KN_REPLAY_N (the older one is dropped when the newer one
 * fills).  A message whose signature was already seen is dropped: every
 * genuine message is unique (uuid msg_id).  Guarded by mu (shell, stdin and
 * control threads receive). */
#define KN_REPLAY_N 2048
struct kn_replay {
    pthread_mutex_t mu;
    unsigned char set[2][2 * KN_REPLAY_N][16];
    int count[2];
    int cur;
};

struct kn_exec {
    struct kn_kernel *k;
    const struct kn_msg *req;
    int count, silent, allow_stdin;
    cJSON *payload; /* array */
    int failed;
    char ename[64];
    char evalue[KN_ERR_LEN];
    cJSON *traceback;  /* extra lines, array of strings */
    char *result_text; /* text/plain of execute_result, for history */
    int nresults;      /* kn_exec_result calls (one execute_result) */
};

/* Set by SIGINT and interrupt_request, cleared when an execute starts. */
extern atomic_int kn_g_interrupt;

/* Publish msg_type on iopub through push (the calling thread's PUSH).
 * parent may be NULL.  Takes ownership of content.  Returns 0 or -1. */
int kn_pub(struct kn_kernel *k, void *push, const char *msg_type,
           const struct kn_msg *parent, cJSON *content);
/* Queue stream text (already valid UTF-8) for the publisher. */
int kn_pub_stream(void *push, int to_stderr, const struct kn_msg *parent,
                  const char *text, size_t len);
/* Ask the publisher to flush stream text now. */
void kn_pub_flush(void *push);

/* Send a reply to req on sock (a ROUTER).  Takes ownership of content. */
int kn_send_reply(struct kn_kernel *k, void *sock, const struct kn_msg *req,
                  const char *msg_type, cJSON *content);
/* Send msg_type to the identities of req on sock, with req as parent.
 * msg_id_out (may be NULL) receives the new message's id. */
int kn_send_to(struct kn_kernel *k, void *sock, const struct kn_msg *req,
               const char *msg_type, cJSON *content, char *msg_id_out);

/* Receive the next valid message from sock without waiting.  Returns 1 and
 * fills m, 0 when nothing (valid) is waiting, -1 when the context is
 * terminating.  Malformed, badly signed and replayed messages are dropped
 * on the way, with one stderr line each. */
int kn_recv(struct kn_kernel *k, void *sock, const char *chan,
            struct kn_msg *m);

/* zmq_send retried on EINTR.  Returns 0 or -1 (errno set). */
int kn_zmq_send(void *sock, const void *data, size_t len, int flags);

/* Receive one whole multipart message from sock into parts[0..max): the
 * first *nkept frames are kept (initialised; close them with
 * kn_zmq_close_parts), further frames are received and dropped; *total
 * counts every frame.  dontwait: do not wait for the first frame.  EINTR
 * is retried.  Returns 1 (a message), 0 (nothing waiting) or -1 (error,
 * e.g. ETERM; nothing kept). */
int kn_zmq_recv_parts(void *sock, zmq_msg_t *parts, size_t max, size_t *nkept,
                      size_t *total, int dontwait);
void kn_zmq_close_parts(zmq_msg_t *parts, size_t n);

/* The publisher thread (arg: struct kn_kernel *). */
void *kn_iopub_main(void *arg);

#endif /* KN_PRIV_H */
