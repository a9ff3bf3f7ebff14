#define _GNU_SOURCE
// The floor for any epoll echo server: edge-triggered epoll, one read and one write per
// message, no runtime at all. bench/run.sh runs it beside dext and tokio ("c-floor").
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1])), .sin_addr.s_addr = htonl(0x7f000001)};
  if (bind(l, (void *)&a, sizeof a) || listen(l, 1024)) { perror("bind"); return 1; }
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN | EPOLLET, .data.fd = l}, evs[1024];
  epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
  char buf[4096];
  for (;;) {
    int n = epoll_wait(ep, evs, 1024, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == l) {
        int c;
        while ((c = accept4(l, 0, 0, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = c};
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
        }
        continue;
      }
      for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) { if (r == 0) close(fd); break; }
        write(fd, buf, r);
        if (r < (ssize_t)sizeof buf) break;
      }
    }
  }
}
