// spmi-probe: the tcp and http health checks of the watchdog.
//
//   spmi-probe tcp HOST PORT          healthy when a connection opens
//   spmi-probe http HOST PORT PATH    healthy on a 2xx or 3xx answer to GET PATH
//
// A program of its own, linked dynamically, because resolving HOST goes
// through NSS (/etc/hosts, DNS, systemd-resolved, ...), which loads shared
// modules that a statically linked watchdog must never load. The watchdog
// runs it as the task's user, in the task's environment, in a process group
// it kills at the check's timeout. It says what it found in one line on
// stdout (the check's detail) and exits 0 when healthy, 1 when not, 2 on
// a usage error.
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

// Connects to host:port; the connected socket, or -1 after saying why.
int connect_to(const char* host, const char* port) {
  struct addrinfo hints {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host, port, &hints, &res);
  if (rc != 0) {
    std::printf("cannot resolve %s: %s\n", host, ::gai_strerror(rc));
    return -1;
  }
  int err = 0;
  for (struct addrinfo* a = res; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      ::freeaddrinfo(res);
      return fd;
    }
    err = errno;
    ::close(fd);
  }
  ::freeaddrinfo(res);
  std::printf("connect to %s:%s: %s\n", host, port, std::strerror(err));
  return -1;
}

// GET the path; healthy on a 2xx or 3xx status.
int http_check(const char* host, const char* port, const char* path) {
  int fd = connect_to(host, port);
  if (fd < 0) return 1;
  std::string h = std::strchr(host, ':') ? "[" + std::string(host) + "]" : host;
  std::string req = std::string("GET ") + path + " HTTP/1.0\r\nHost: " + h + ":" + port +
                    "\r\nUser-Agent: spmi-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  size_t off = 0;
  while (off < req.size()) {
    ssize_t w = ::write(fd, req.data() + off, req.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      std::printf("cannot send the request: %s\n", std::strerror(errno));
      return 1;
    }
    off += static_cast<size_t>(w);
  }
  char buf[256];
  std::string head;
  ssize_t n;
  while (head.find('\n') == std::string::npos && head.size() < 200 && (n = ::read(fd, buf, sizeof buf)) > 0)
    head.append(buf, static_cast<size_t>(n));
  int status = 0;
  if (std::sscanf(head.c_str(), "HTTP/%*d.%*d %d", &status) != 1) {
    std::printf("no HTTP status line in the response\n");
    return 1;
  }
  std::printf("HTTP %d\n", status);
  return status >= 200 && status < 400 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (argc >= 4 && std::strcmp(argv[1], "tcp") == 0) {
    int fd = connect_to(argv[2], argv[3]);
    return fd >= 0 ? 0 : 1;
  }
  if (argc >= 5 && std::strcmp(argv[1], "http") == 0) return http_check(argv[2], argv[3], argv[4]);
  std::fprintf(stderr, "usage: spmi-probe tcp HOST PORT | spmi-probe http HOST PORT PATH\n");
  return 2;
}
