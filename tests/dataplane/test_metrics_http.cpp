// The Prometheus endpoint (dataplane/metrics_http.hpp): GET /metrics
// serves what the caller's text function makes (`l2vpn node` passes its
// control socket's `metrics`); an address it cannot bind is an error naming it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "dataplane/metrics_http.hpp"

namespace l2vpn::dp {
namespace {

std::string http_get(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0) {
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    if (write(fd, req.data(), req.size()) == ssize_t(req.size())) {
      char buf[4096];
      for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, size_t(n));
    }
  }
  close(fd);
  return out;
}

TEST(MetricsHttp, ServesTheCallersText) {
  std::atomic<int> calls{0};
  auto m = start_metrics("127.0.0.1", 0, [&] {
    ++calls;
    return std::string("l2vpn_ldp_sessions_operational{router=\"pe1\"} 1\n");
  });
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->get(), nullptr);  // port 0: off
  auto s = MetricsServer::start("127.0.0.1", 0, [&] {
    ++calls;
    return std::string("l2vpn_ldp_sessions_operational{router=\"pe1\"} 1\n");
  });
  ASSERT_TRUE(s.ok()) << s.error().message;
  const uint16_t port = (*s)->port();
  ASSERT_NE(port, 0);
  const std::string page = http_get(port, "/metrics");
  EXPECT_NE(page.find("200 OK"), std::string::npos) << page;
  EXPECT_NE(page.find("text/plain; version=0.0.4"), std::string::npos) << page;
  EXPECT_NE(page.find("l2vpn_ldp_sessions_operational{router=\"pe1\"} 1\n"), std::string::npos) << page;
  EXPECT_EQ(calls.load(), 1);
  // An address not of this host: an error naming it. (A port in use is
  // not one: cpp-httplib binds with SO_REUSEPORT.)
  auto bad = MetricsServer::start("192.0.2.1", 9464, [] { return std::string(); });
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("192.0.2.1:9464"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace l2vpn::dp
