/* Echo server on 127.0.0.1: an io watcher per connection, echoing whatever
 * arrives. Prints "PORT <n>" once listening; runs until killed. */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

struct conn {
  ev_io io;
  char buf[4096];
};

static void conn_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  struct conn *c = (struct conn *)w;
  ssize_t r = read(w->fd, c->buf, sizeof c->buf);
  if (r < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (r <= 0) {
    ev_io_stop(loop, w);
    close(w->fd);
    free(c);
    return;
  }
  ssize_t off = 0;
  while (off < r) {
    ssize_t k = write(w->fd, c->buf + off, r - off);
    if (k < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue; /* loopback with 64-byte messages never fills the buffer */
      ev_io_stop(loop, w);
      close(w->fd);
      free(c);
      return;
    }
    off += k;
  }
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
  for (;;) {
    int fd = accept(w->fd, NULL, NULL);
    if (fd < 0)
      return;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    struct conn *c = malloc(sizeof *c);
    ev_io_init(&c->io, conn_cb, fd, EV_READ);
    ev_io_start(loop, &c->io);
  }
}

int main(void)
{
  struct ev_loop *loop = bench_loop();
  struct sockaddr_in sa = {0};
  socklen_t len = sizeof sa;
  int one = 1;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0)
    die("listen");
  getsockname(lfd, (struct sockaddr *)&sa, &len);
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  ev_io acc;
  ev_io_init(&acc, accept_cb, lfd, EV_READ);
  ev_io_start(loop, &acc);
  printf("PORT %d\n", ntohs(sa.sin_port));
  fflush(stdout);
  ev_run(loop, 0);
  return 0;
}
