/* One byte bounced over a socketpair by two io watchers; per round trip. */
#include "bench.h"
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fds[2];
static long count, n;

static void echo_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char b;
  if (read(fds[1], &b, 1) != 1 || write(fds[1], &b, 1) != 1)
    die("echo");
}

static void ping_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char b;
  if (read(fds[0], &b, 1) != 1)
    die("read");
  if (++count >= n) {
    ev_break(loop, EVBREAK_ALL);
    return;
  }
  if (write(fds[0], &b, 1) != 1)
    die("write");
}

int main(int argc, char **argv)
{
  const char *metric = bench_args(argc, argv, "io_pingpong");
  struct ev_loop *loop = bench_loop();
  ev_io ping, echo;
  n = bench_n(30000);
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) < 0)
    die("socketpair");
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  ev_io_init(&ping, ping_cb, fds[0], EV_READ);
  ev_io_init(&echo, echo_cb, fds[1], EV_READ);
  ev_io_start(loop, &ping);
  ev_io_start(loop, &echo);
  uint64_t t0 = now_ns();
  if (write(fds[0], "x", 1) != 1)
    die("write");
  ev_run(loop, 0);
  emit(metric, "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
