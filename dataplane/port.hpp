#pragma once
// The one interface the forwarding stages call for I/O. A port is either a
// DPDK ethdev queue (NIC, net_tap, net_af_packet, net_memif, net_pcap, ...)
// or a pair of rte_rings created on our own memory (rte_ring_init, no
// memzone): Debian's DPDK allows 32 ethdevs and 2,560 memzones per process,
// and an emulated backbone has thousands of link ends.

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <memory>
#include <string>

#include "contract/result.hpp"

namespace l2vpn::dp {

class PortIo {
 public:
  virtual ~PortIo() = default;
  // Both return how many frames moved; the caller still owns the rest.
  virtual uint16_t rx_burst(rte_mbuf** pkts, uint16_t n) = 0;
  virtual uint16_t tx_burst(rte_mbuf** pkts, uint16_t n) = 0;
  virtual std::string describe() const = 0;
};

struct RingDeleter {
  void operator()(rte_ring* r) const;
};
using RingPtr = std::unique_ptr<rte_ring, RingDeleter>;

// A ring on memory we allocate: no memzone, no global name. Size is rounded
// up to a power of two. Single producer, single consumer unless `mp_mc`.
Result<RingPtr> make_ring(const std::string& name, unsigned size, bool mp_mc = false);

// Receives from `rx`, sends to `tx`; does not own them.
class RingPortIo final : public PortIo {
 public:
  RingPortIo(rte_ring* rx, rte_ring* tx) : rx_(rx), tx_(tx) {}
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n) override {
    return rx_ ? uint16_t(rte_ring_dequeue_burst(rx_, reinterpret_cast<void**>(pkts), n, nullptr))
               : 0;
  }
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n) override {
    return tx_ ? uint16_t(rte_ring_enqueue_burst(tx_, reinterpret_cast<void**>(pkts), n, nullptr))
               : 0;
  }
  std::string describe() const override;

 private:
  rte_ring* rx_;
  rte_ring* tx_;
};

class EthdevPortIo final : public PortIo {
 public:
  // `receive` false: a worker that only transmits on this port (its own tx
  // queue) because the port has fewer rx queues than workers (no RSS).
  EthdevPortIo(uint16_t port_id, uint16_t queue, bool receive = true)
      : port_(port_id), queue_(queue), receive_(receive) {}
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n) override;
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n) override;
  std::string describe() const override;
  uint16_t port_id() const { return port_; }

 private:
  uint16_t port_;
  uint16_t queue_;
  bool receive_;
};

// Probes a device from its devargs ("net_ring0", "net_tap0,iface=x",
// "net_pcap0,rx_pcap=a.pcap,tx_pcap=b.pcap", a PCI address) and returns its
// ethdev port id. The error names the device.
Result<uint16_t> probe_ethdev(const std::string& devargs);

// Configures `queues` rx/tx queue pairs and starts the port. With more than
// one queue the device spreads received frames by RSS when it can (IPv4/
// IPv6 addresses and TCP/UDP ports); devices without RSS (net_ring, the
// tap/af_packet PMDs) get the queues anyway and the sender picks the queue.
Status start_ethdev(uint16_t port_id, uint16_t queues, rte_mempool* pool, uint16_t ring_size = 1024);

// Queues for `workers` lcores, one rx queue (RSS) and one tx queue each.
// When the device has no RSS for IP (flow_type_rss_offloads) or too few rx
// queues, it falls back to one rx queue (worker 0 receives) and one tx
// queue per worker, and says so in `note`; `require_rss` makes that an
// error instead. Note: NICs hash IP headers, so MPLS frames (no IP header
// after the Ethernet type) typically all land in queue 0.
struct EthdevQueues {
  uint16_t rx_queues = 1;
  uint16_t tx_queues = 1;
  bool rss = false;
  uint64_t rss_hf = 0;
  std::string note;
};
Result<EthdevQueues> start_ethdev_workers(uint16_t port_id, uint16_t workers, rte_mempool* pool,
                                          bool require_rss = false, uint16_t ring_size = 1024);

// The MTU a started ethdev is given when it can take it (a chain of
// segments when the pool's data room is smaller).
inline constexpr uint32_t kJumboMtu = 9000;

Result<rte_mempool*> make_mbuf_pool(const std::string& name, unsigned n_mbufs,
                                    uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE);

}  // namespace l2vpn::dp
