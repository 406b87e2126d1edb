// The kernel baseline for lifecycles.mjs: the same lifecycle (connect, 1 KiB each way, the client
// closes first, the server closes after reading EOF) run N times in sequence by the real Linux TCP
// stack on loopback, in a fresh network namespace so nothing else on the machine shares its
// listener, its port space or its TIME_WAIT table. The client's 60 s TIME_WAIT is left to the kernel:
// it costs no CPU in the measured interval (the simulator's virtual 60 s cost no wall time either).
// Prints one JSON line like the other benchmarks. Build: cc -O2 -o kernel-lifecycles kernel-lifecycles.c
// Usage: kernel-lifecycles N (1 ≤ N ≤ 25000: the ephemeral port range 32768–60999 holds 28,232
// TIME_WAIT client ports, so more sequential connections within 60 s would fail to bind).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 1024
#define MAX_CONNECTIONS 25000
#define PORT 80

static void die(const char *what) {
  fprintf(stderr, "kernel-lifecycles: %s: %s\n", what, strerror(errno));
  exit(1);
}

// A fresh network namespace has lo down: bring it up (what `ip link set lo up` does, SIOCSIFFLAGS).
static void enter_fresh_namespace(void) {
  if (unshare(CLONE_NEWNET) != 0) die("unshare(CLONE_NEWNET) (needs root)");
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) die("socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) die("SIOCGIFFLAGS lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) die("SIOCSIFFLAGS lo up");
  close(fd);
}

static int listen_on_loopback(struct sockaddr_in *addr) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)addr, sizeof *addr) != 0) die("bind");
  if (listen(fd, 128) != 0) die("listen");
  return fd;
}

// Reads exactly n bytes (or up to EOF when n is 0, which is how the server sees the client's FIN).
static void read_exactly(int fd, char *buf, size_t n) {
  size_t got = 0;
  for (;;) {
    ssize_t r = read(fd, buf + got, n ? n - got : PAYLOAD);
    if (r < 0) die("read");
    if (r == 0) {
      if (n == 0 || got == n) return;
      errno = EPIPE;
      die("early EOF");
    }
    got += (size_t)r;
    if (n && got == n) return;
  }
}

static void write_all(int fd, const char *buf, size_t n) {
  if (write(fd, buf, n) != (ssize_t)n) die("write");
}

// One lifecycle: handshake, 1 KiB each way, client close (FIN), server reads EOF and closes.
static void one_lifecycle(int listener, struct sockaddr_in *addr, char *buf) {
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0) die("socket");
  if (connect(client, (struct sockaddr *)addr, sizeof *addr) != 0) die("connect");
  int server = accept(listener, NULL, NULL);
  if (server < 0) die("accept");
  write_all(client, buf, PAYLOAD);
  read_exactly(server, buf, PAYLOAD);
  write_all(server, buf, PAYLOAD);
  read_exactly(client, buf, PAYLOAD);
  close(client);
  read_exactly(server, buf, 0);
  close(server);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
  if (n < 1 || n > MAX_CONNECTIONS) {
    fprintf(stderr, "kernel-lifecycles: N must be in [1, %d]\n", MAX_CONNECTIONS);
    return 2;
  }
  enter_fresh_namespace();
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(PORT)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int listener = listen_on_loopback(&addr);
  static char buf[PAYLOAD];
  memset(buf, 'x', sizeof buf);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < n; i++) one_lifecycle(listener, &addr, buf);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
  printf("{\"name\":\"kernel-lifecycles\",\"connections\":%ld,\"ms\":%.3f,\"lifecyclesPerSec\":%.1f}\n", n,
         ms, n / ms * 1000);
  return 0;
}
