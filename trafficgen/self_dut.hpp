#pragma once
// `l2vpn bench --self`: our own fast path as the device under test, inside
// the tester's process. One programmed dp::Router per mode, fed from the rx
// queues of one net_ring device and sending to the tx queues of another;
// worker w polls queue w of the input device on its own lcore and sends on
// queue w of the output device, so workers share nothing on the hot path
// (each has its own Router worker slot and counters).
//
// Modes:
//   macswap      no router: swap the MAC addresses and send (what testpmd's
//                macswap does), the harness's own baseline
//   swap         P router: labels 1000.. swapped to 50000.. (above 4095)
//   imposition   PE: port-based raw AC into a PW (PW label + 1 transport label)
//   disposition  PE: PW label alone (PHP'd transport) disposed to the AC
//   vpls         PE: VPLS known unicast between two ACs of one bridge
//                domain (source MACs learned, destination a static MAC)

#include <rte_mbuf.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"
#include "trafficgen/frames.hpp"

namespace l2vpn::tg {

inline const std::vector<std::string>& self_modes() {
  static const std::vector<std::string> m{"macswap", "swap", "imposition", "disposition", "vpls"};
  return m;
}

struct SelfOptions {
  unsigned flows = 1024;
  bool control_word = false;  // imposition/disposition PWs
  bool flow_label = false;
};

struct SelfScenario {
  std::string mode;
  std::string what;         // one line for the report
  bool router = true;       // false: macswap
  ForwardingState state;
  std::string in_port, out_port;
  FrameSpec spec;           // what the generator sends
};

Result<SelfScenario> make_self_scenario(const std::string& mode, const SelfOptions& o);

class SelfDut {
 public:
  // dev_in/dev_out: started ethdevs with at least as many queues as workers.
  SelfDut(SelfScenario sc, uint16_t dev_in, uint16_t dev_out, unsigned max_workers);
  ~SelfDut();
  Status program();
  // Launches `lcores.size()` workers (worker i on lcores[i], queue i).
  Status start(const std::vector<unsigned>& lcores);
  void stop();
  const SelfScenario& scenario() const { return sc_; }
  dp::RouterStats router_stats() const;
  uint64_t macswap_forwarded() const;
  // Times a worker's loop went more than 1 ms between two polls (its lcore
  // lost the cpu): frames queued meanwhile may overflow. Summed over workers.
  uint64_t stalls() const;

 private:
  struct WorkerArg {
    SelfDut* dut = nullptr;
    unsigned worker = 0;
    uint64_t forwarded = 0;  // macswap only; this worker's own line
    std::atomic<uint64_t> stalls{0};  // written by this worker only
  };
  static int worker_main(void* arg);

  SelfScenario sc_;
  uint16_t dev_in_, dev_out_;
  unsigned max_workers_;
  dp::Rcu rcu_;
  std::unique_ptr<dp::Router> router_;
  uint16_t in_idx_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<unsigned> running_;
  std::vector<std::unique_ptr<WorkerArg>> args_;
};

}  // namespace l2vpn::tg
