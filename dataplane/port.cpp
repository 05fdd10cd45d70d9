#include "dataplane/port.hpp"

#include <fmt/format.h>
#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace l2vpn::dp {

void RingDeleter::operator()(rte_ring* r) const { rte_free(r); }

Result<RingPtr> make_ring(const std::string& name, unsigned size, bool mp_mc) {
  unsigned count = rte_align32pow2(size < 2 ? 2 : size);
  ssize_t bytes = rte_ring_get_memsize(count);
  if (bytes < 0) return Error{fmt::format("ring '{}': bad size {}", name, size)};
  auto* r = static_cast<rte_ring*>(rte_zmalloc(nullptr, size_t(bytes), RTE_CACHE_LINE_SIZE));
  if (!r) return Error{fmt::format("ring '{}': out of memory for {} slots", name, count)};
  unsigned flags = mp_mc ? 0 : (RING_F_SP_ENQ | RING_F_SC_DEQ);
  // The name is only a label here: rings made this way are never looked up.
  if (rte_ring_init(r, name.substr(0, RTE_RING_NAMESIZE - 1).c_str(), count, flags) != 0) {
    rte_free(r);
    return Error{fmt::format("ring '{}': rte_ring_init failed", name)};
  }
  return RingPtr(r);
}

std::string RingPortIo::describe() const {
  return fmt::format("ring rx={} tx={}", rx_ ? rx_->name : "-", tx_ ? tx_->name : "-");
}

uint16_t EthdevPortIo::rx_burst(rte_mbuf** pkts, uint16_t n) {
  return receive_ ? rte_eth_rx_burst(port_, queue_, pkts, n) : 0;
}
uint16_t EthdevPortIo::tx_burst(rte_mbuf** pkts, uint16_t n) {
  return rte_eth_tx_burst(port_, queue_, pkts, n);
}
std::string EthdevPortIo::describe() const {
  char name[RTE_ETH_NAME_MAX_LEN] = "?";
  rte_eth_dev_get_name_by_port(port_, name);
  return fmt::format("ethdev {} ({}) queue {}{}", port_, name, queue_, receive_ ? "" : " (tx only)");
}

Result<uint16_t> probe_ethdev(const std::string& devargs) {
  if (devargs.empty()) return Error{"empty device specification"};
  std::string name = devargs.substr(0, devargs.find(','));
  uint16_t port_id = 0;
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port_id) == 0) return port_id;
  if (rte_eth_dev_count_total() >= RTE_MAX_ETHPORTS)
    return Error{fmt::format("device '{}': DPDK's limit of {} ethdev ports per process is reached",
                             devargs, RTE_MAX_ETHPORTS)};
  // The PMDs say only "Operation not permitted" for a file they cannot
  // read: name the file and the real cause first.
  static constexpr std::string_view kRxPcap = ",rx_pcap=";
  for (size_t at = devargs.find(kRxPcap); at != std::string::npos; at = devargs.find(kRxPcap, at + 1)) {
    const size_t b = at + kRxPcap.size();
    const std::string path = devargs.substr(b, devargs.find(',', b) - b);
    if (::access(path.c_str(), R_OK) != 0)
      return Error{fmt::format("device '{}': cannot read rx_pcap file '{}' ({})", devargs, path,
                               std::strerror(errno))};
  }
  int rc = rte_dev_probe(devargs.c_str());
  if (rc != 0)
    return Error{fmt::format("device '{}': cannot open ({})", devargs, rte_strerror(-rc))};
  if (rte_eth_dev_get_port_by_name(name.c_str(), &port_id) != 0)
    return Error{fmt::format("device '{}': probed, but no ethdev named '{}' appeared", devargs,
                             name)};
  return port_id;
}

namespace {

constexpr uint64_t kRssHash = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

Status configure_and_start(uint16_t port_id, const rte_eth_dev_info& info, uint16_t rx_q,
                           uint16_t tx_q, uint64_t rss_hf, rte_mempool* pool, uint16_t ring_size) {
  rte_eth_conf conf{};
  if (rx_q > 1) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;  // 0 on devices whose sender picks the queue
  }
  // VPLS floods and P2MP copies are a header mbuf chained to the shared frame.
  if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
    conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
  // Jumbo frames: a frame larger than the pool's data room arrives as a
  // chain of segments (the stages carry chains: router.hpp pull_headers),
  // and the device takes frames up to kJumboMtu when it can.
  const uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
  const bool scatter = info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER;
  if (scatter) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
  // (net_tap says max_mtu 65535 but takes frames of 1522 bytes at most.)
  if (info.max_mtu >= kJumboMtu && info.max_rx_pktlen >= kJumboMtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN &&
      (scatter || room >= kJumboMtu + RTE_ETHER_HDR_LEN + 8))
    conf.rxmode.mtu = kJumboMtu;
  if (rx_q > info.max_rx_queues || tx_q > info.max_tx_queues)
    return Error{fmt::format("port {} ({}): {} rx / {} tx queues asked, device has {} rx / {} tx",
                             port_id, info.driver_name, rx_q, tx_q, info.max_rx_queues,
                             info.max_tx_queues)};
  if (int rc = rte_eth_dev_configure(port_id, rx_q, tx_q, &conf); rc != 0)
    return Error{fmt::format("port {}: configure failed ({})", port_id, rte_strerror(-rc))};
  int socket = rte_eth_dev_socket_id(port_id);
  for (uint16_t q = 0; q < rx_q; ++q)
    if (int rc = rte_eth_rx_queue_setup(port_id, q, ring_size, socket, nullptr, pool); rc != 0)
      return Error{fmt::format("port {}: rx queue {} setup failed ({})", port_id, q, rte_strerror(-rc))};
  for (uint16_t q = 0; q < tx_q; ++q)
    if (int rc = rte_eth_tx_queue_setup(port_id, q, ring_size, socket, nullptr); rc != 0)
      return Error{fmt::format("port {}: tx queue {} setup failed ({})", port_id, q, rte_strerror(-rc))};
  if (int rc = rte_eth_dev_start(port_id); rc != 0)
    return Error{fmt::format("port {}: start failed ({})", port_id, rte_strerror(-rc))};
  rte_eth_promiscuous_enable(port_id);  // ACs carry every customer MAC
  return Status::success();
}

}  // namespace

Status start_ethdev(uint16_t port_id, uint16_t queues, rte_mempool* pool, uint16_t ring_size) {
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0)
    return Error{fmt::format("port {}: no device info ({})", port_id, rte_strerror(-rc))};
  return configure_and_start(port_id, info, queues, queues, kRssHash & info.flow_type_rss_offloads,
                             pool, ring_size);
}

Result<EthdevQueues> start_ethdev_workers(uint16_t port_id, uint16_t workers, rte_mempool* pool,
                                          bool require_rss, uint16_t ring_size) {
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(port_id, &info); rc != 0)
    return Error{fmt::format("port {}: no device info ({})", port_id, rte_strerror(-rc))};
  if (workers == 0) return Error{fmt::format("port {}: 0 workers", port_id)};
  EthdevQueues q;
  q.tx_queues = workers;
  if (workers > info.max_tx_queues)
    return Error{fmt::format("port {} ({}): {} workers need {} tx queues (one each: no locks on the "
                             "hot path), the device has {}; use fewer workers with this device",
                             port_id, info.driver_name, workers, workers, info.max_tx_queues)};
  const uint64_t hf = kRssHash & info.flow_type_rss_offloads;
  if (workers == 1) {
    q.note = "1 queue";
  } else if (hf && info.max_rx_queues >= workers) {
    q.rx_queues = workers;
    q.rss = true;
    q.rss_hf = hf;
    q.note = fmt::format("RSS over {} rx queues (hash 0x{:x}: IP{}{}), one per worker", workers, hf,
                         hf & RTE_ETH_RSS_TCP ? "/TCP" : "", hf & RTE_ETH_RSS_UDP ? "/UDP" : "");
  } else {
    const std::string why =
        !hf ? fmt::format("driver {} has no RSS for IP", info.driver_name)
            : fmt::format("driver {} has {} rx queues", info.driver_name, info.max_rx_queues);
    if (require_rss)
      return Error{fmt::format("port {}: {} workers need RSS over {} rx queues, but {}", port_id,
                               workers, workers, why)};
    q.note = fmt::format("no RSS ({}): worker 0 receives, each of the {} workers transmits on its "
                         "own tx queue",
                         why, workers);
  }
  if (auto st = configure_and_start(port_id, info, q.rx_queues, q.tx_queues, q.rss ? hf : 0, pool,
                                    ring_size);
      !st)
    return st.error();
  return q;
}

Result<rte_mempool*> make_mbuf_pool(const std::string& name, unsigned n_mbufs, uint16_t data_room) {
  auto* mp = rte_pktmbuf_pool_create(name.c_str(), n_mbufs, 256, 0, data_room, SOCKET_ID_ANY);
  if (!mp)
    return Error{fmt::format("mbuf pool '{}' ({} mbufs): {}", name, n_mbufs, rte_strerror(rte_errno))};
  return mp;
}

}  // namespace l2vpn::dp
