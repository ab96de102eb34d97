/* One byte bounced over two pipes by two io watchers; per round trip. */
#include "bench.h"
#include <fcntl.h>
#include <unistd.h>

static int ping[2], pong[2]; /* ping: main -> echo, pong: echo -> main */
static long count, n;

static void echo_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char b;
  if (read(ping[0], &b, 1) != 1 || write(pong[1], &b, 1) != 1)
    die("echo");
}

static void main_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  char b;
  if (read(pong[0], &b, 1) != 1)
    die("read");
  if (++count >= n) {
    ev_break(loop, EVBREAK_ALL);
    return;
  }
  if (write(ping[1], &b, 1) != 1)
    die("write");
}

int main(int argc, char **argv)
{
  const char *metric = bench_args(argc, argv, "pipe_pingpong");
  struct ev_loop *loop = bench_loop();
  ev_io mainw, echo;
  n = bench_n(30000);
  if (pipe(ping) < 0 || pipe(pong) < 0)
    die("pipe");
  fcntl(ping[0], F_SETFL, O_NONBLOCK);
  fcntl(ping[1], F_SETFL, O_NONBLOCK);
  fcntl(pong[0], F_SETFL, O_NONBLOCK);
  fcntl(pong[1], F_SETFL, O_NONBLOCK);
  ev_io_init(&mainw, main_cb, pong[0], EV_READ);
  ev_io_init(&echo, echo_cb, ping[0], EV_READ);
  ev_io_start(loop, &mainw);
  ev_io_start(loop, &echo);
  uint64_t t0 = now_ns();
  if (write(ping[1], "x", 1) != 1)
    die("write");
  ev_run(loop, 0);
  emit(metric, "ns/op", (double)(now_ns() - t0) / n);
  ev_loop_destroy(loop);
  return 0;
}
