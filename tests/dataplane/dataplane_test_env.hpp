#pragma once
// Shared by every dataplane test: one EAL per process (started by the
// environment in dataplane_test_env.cpp), one mbuf pool, and helpers to
// build frames byte by byte and to run a router on ring ports.
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/packet.hpp"
#include "dataplane/port.hpp"
#include "dataplane/rcu.hpp"
#include "dataplane/router.hpp"

namespace l2vpn::dp::test {

rte_mempool* pool();
Rcu& rcu();

using Bytes = std::vector<uint8_t>;

// Builds a frame outermost header first.
class Frame {
 public:
  Frame& eth(const MacAddr& dst, const MacAddr& src, uint16_t type);
  Frame& vlan(uint16_t tpid, uint16_t vid, uint8_t pcp = 0);  // then the inner type
  Frame& type(uint16_t t);
  Frame& mpls(uint32_t label, uint8_t tc, bool bos, uint8_t ttl);
  Frame& word(uint32_t w);
  Frame& bytes(const Bytes& b);
  Frame& fill(size_t n, uint8_t v = 0xab);
  const Bytes& data() const { return b_; }
  rte_mbuf* mbuf() const;
  // The frame as a chain of segments: the first `first` bytes, then up to
  // `seg` bytes each (what a NIC scattering into 2 KiB buffers, or a
  // replica from another router, hands over).
  rte_mbuf* chain(size_t first, size_t seg = 2048) const;

 private:
  Bytes b_;
};

Bytes bytes_of(const rte_mbuf* m);
// A customer Ethernet frame: dst, src, EtherType IPv4, `payload` bytes.
Bytes customer_frame(const MacAddr& dst, const MacAddr& src, size_t payload, uint8_t seed = 1);

inline MacAddr mac(uint8_t last, uint8_t first = 0x02) { return {first, 0, 0, 0, 0, last}; }

// A router with every port backed by a pair of rings we can read and write.
struct RouterHarness {
  explicit RouterHarness(const ForwardingState& state, unsigned workers = 1);
  ~RouterHarness();
  // Sends frames into `port` through the router's process() and flushes.
  void inject(const std::string& port, std::vector<rte_mbuf*> frames, unsigned worker = 0);
  // Frames the router sent out of `port` (taken off the ring).
  std::vector<Bytes> take(const std::string& port);
  size_t pending(const std::string& port);

  std::unique_ptr<Router> router;
  std::vector<RingPtr> rx, tx;  // per port: rx feeds the router, tx it writes
};

}  // namespace l2vpn::dp::test
