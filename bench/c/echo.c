/* Echo server on 127.0.0.1: an io watcher per connection, echoing whatever
 * arrives. Prints "PORT <n>" once listening; runs until killed.
 *
 * With -loops N (N > 1) it runs N loops, each made by ev_loop_new and run on
 * a thread of its own with its own listener on the same port through
 * SO_REUSEPORT, so the kernel spreads connections among them: the shape of
 * geventgo's echo -hubs N. "PORT <n>" comes once every listener is bound. */
#include "bench.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
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

/* listen_on opens a non-blocking listener on 127.0.0.1:port (0: any free
 * port), with SO_REUSEPORT when asked so that several can share a port. */
static int listen_on(int port, int reuseport, int *bound)
{
  struct sockaddr_in sa = {0};
  socklen_t len = sizeof sa;
  int one = 1;
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuseport && setsockopt(lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    die("SO_REUSEPORT");
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(port);
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0)
    die("listen");
  getsockname(lfd, (struct sockaddr *)&sa, &len);
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  *bound = ntohs(sa.sin_port);
  return lfd;
}

/* One loop serving one listener: its accept watcher and the connections it
 * accepts, until killed. */
struct server {
  struct ev_loop *loop;
  ev_io acc;
};

static void *serve(void *arg)
{
  struct server *s = arg;
  ev_run(s->loop, 0);
  return NULL;
}

int main(int argc, char **argv)
{
  int loops = 1, port = 0;
  if (argc == 3 && strcmp(argv[1], "-loops") == 0)
    loops = atoi(argv[2]);
  else if (argc != 1)
    loops = 0;
  if (loops < 1) {
    fprintf(stderr, "usage: echo [-loops N]   (N >= 1)\n");
    return 2;
  }
  /* Every loop is made and armed here, one after the other; each is then
   * run by its thread alone (one loop: by this thread). */
  struct server *s = calloc(loops, sizeof *s);
  for (int i = 0; i < loops; i++) {
    s[i].loop = bench_loop();
    int lfd = listen_on(port, loops > 1, &port);
    ev_io_init(&s[i].acc, accept_cb, lfd, EV_READ);
    ev_io_start(s[i].loop, &s[i].acc);
  }
  if (loops == 1) {
    printf("PORT %d\n", port);
    fflush(stdout);
    serve(&s[0]);
    return 0;
  }
  pthread_t *th = calloc(loops, sizeof *th);
  for (int i = 0; i < loops; i++)
    if ((errno = pthread_create(&th[i], NULL, serve, &s[i])) != 0)
      die("pthread_create");
  printf("PORT %d\n", port);
  fflush(stdout);
  for (int i = 0; i < loops; i++)
    pthread_join(th[i], NULL);
  return 0;
}
