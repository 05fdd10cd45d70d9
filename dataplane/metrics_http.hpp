#pragma once
// Prometheus metrics (text exposition format 0.0.4) of the registered
// routers (dataplane/telemetry.hpp), served over HTTP by cpp-httplib on its
// own thread: GET /metrics. Loopback by default; the counters are the same
// the telemetry commands read (docs/observability.md lists the families).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "contract/result.hpp"

namespace httplib {
class Server;
}

namespace l2vpn::dp {

class Router;

// Every metric family of these routers, as Prometheus text.
std::string prometheus_text(const std::vector<const Router*>& routers);
// The same for every router registered with telemetry now.
std::string prometheus_text_registered();

class MetricsServer {
 public:
  // Binds address:port (port 0: any free one, see port()) and serves from a
  // thread. Error: the address cannot be bound (in use, not local).
  // `text` makes the page (on the server's thread); empty: every router
  // registered with telemetry (prometheus_text_registered).
  static Result<std::unique_ptr<MetricsServer>> start(const std::string& address, uint16_t port,
                                                      std::function<std::string()> text = {});
  ~MetricsServer();  // stops the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

 private:
  MetricsServer() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string address_;
  uint16_t port_ = 0;
};

// For the apps: nullptr when port is 0 (off); else started, and says where.
Result<std::unique_ptr<MetricsServer>> start_metrics(const std::string& address, uint16_t port,
                                                     std::function<std::string()> text = {});

}  // namespace l2vpn::dp
