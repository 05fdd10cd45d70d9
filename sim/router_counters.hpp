#pragma once
// Per-router counters for the emulator's report (issue 14): what each
// router's fast path received, sent and dropped (by reason), and per bridge
// domain what it learned and flooded, so that the report alone shows the
// counters add up at every router (docs/emulator.md):
//   rx + replicas + oam_sent = tx + dropped + oam_punted.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace l2vpn::dp {
class Router;
}

namespace l2vpn::sim {

struct BridgeDomainRow {
  std::string name;         // the VPLS instance
  uint64_t macs = 0;        // in the MAC table at the end (learned, not static)
  uint64_t learned = 0;     // MACs learned over the run (moves included)
  uint64_t flooded = 0;     // frames flooded
  uint64_t flood_copies = 0;  // copies sent by flooding
};

struct RouterRow {
  std::string name;
  uint64_t rx = 0;        // frames taken from ports
  uint64_t tx = 0;        // frames handed to an out port
  uint64_t replicas = 0;  // copies made by flooding and P2MP replication beyond the first
  uint64_t lfa_used = 0;  // of tx, over a loop-free alternate
  uint64_t oam_punted = 0, oam_sent = 0;
  uint64_t dropped = 0;                    // sum of drops
  std::map<std::string, uint64_t> drops;   // by reason, non-zero only
  std::vector<BridgeDomainRow> bridge_domains;
};

// One row per router, in the order given (the topology's).
std::vector<RouterRow> router_rows(const std::vector<std::unique_ptr<dp::Router>>& routers);

}  // namespace l2vpn::sim
