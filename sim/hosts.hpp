#pragma once
// The emulated hosts of the data-center sites. Each site of a service holds
// one or more hosts with a MAC (02:00:...) and an IPv4 address in the
// service's subnet (10.<service+1>.<site>.<host+1>); a host on a VLAN site
// tags what it sends with the site's VLAN. Hosts send and receive real
// Ethernet frames through the AccessPort rings of their PE only: ARP
// (request broadcast, reply unicast, so VPLS learns from real frames),
// IPv4/UDP (memcached, redis, IMIX payloads). A host sends to a peer only
// after it resolved the peer's MAC.
//
// Receiving works like a NIC behind a site's switch: a frame leaving a PE
// port is matched to a site by (port, VLAN), then to a host by destination
// MAC; a broadcast goes to every host of the site; a unicast frame for no
// host of the site (a flooded unknown-unicast copy) is counted as
// flood_seen and dropped. A tracked frame a host accepts is reported to the
// Tracker, which judges whether that host was meant to get it.

#include <rte_mbuf.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "contract/forwarding_state.hpp"
#include "controlplane/topology.hpp"
#include "sim/backbone.hpp"
#include "sim/traffic.hpp"

namespace l2vpn::sim {

// A service as the emulator sees it: VPWS first, then VPLS, topology order.
struct ServiceInfo {
  std::string kind;  // "vpws" or "vpls"
  std::string name;
  std::vector<uint32_t> sites;  // Topology::sites indexes
  uint32_t mtu = 1500;
};
std::vector<ServiceInfo> list_services(const cp::Topology& topo);

struct Host {
  uint32_t id = 0;
  std::string name;  // "<site>/h<n>"
  uint32_t site = 0;     // Topology::sites index
  uint32_t service = 0;  // ServiceInfo index
  MacAddr mac{};
  uint32_t ip = 0;
  uint16_t vlan = 0;
  AccessPort* port = nullptr;
  std::map<uint32_t, MacAddr> arp;  // resolved neighbours by IP
  uint16_t ip_id = 0;
  uint64_t tx_frames = 0, rx_frames = 0;
  uint64_t arp_requests = 0, arp_replies = 0;  // sent
  uint64_t tx_fail = 0;                         // no mbuf or PE ring full
};

struct SiteHosts {
  uint32_t site = 0;
  std::vector<uint32_t> hosts;
  uint64_t flood_seen = 0;  // unicast frames for no host of the site (dropped like a NIC)
};

// A UDP datagram a host accepted (payload without the tracking trailer).
struct UdpDelivery {
  uint32_t host;
  uint32_t src_ip;
  uint16_t src_port, dst_port;
  const uint8_t* payload;
  size_t len;
  bool tracked;
  Trailer trailer;
};

class Hosts {
 public:
  Hosts(const cp::Topology& topo, const std::vector<ServiceInfo>& services, Backbone& bb,
        rte_mempool* pool, unsigned hosts_per_site, Tracker& tracker);

  std::vector<Host>& hosts() { return hosts_; }
  const std::vector<Host>& hosts() const { return hosts_; }
  Host& host(uint32_t id) { return hosts_[id]; }
  const std::vector<SiteHosts>& sites() const { return sites_; }
  // Hosts of a service, site by site.
  std::vector<uint32_t> service_hosts(uint32_t service) const;
  bool resolved(uint32_t from, uint32_t to) const {
    return hosts_[from].arp.count(hosts_[to].ip) != 0;
  }

  // ---- sending (at the backbone's now); false when nothing was sent
  // ARP request from `from` for `to`'s address; tracked when `flow` is set.
  bool send_arp_request(uint32_t from, uint32_t to, int64_t flow = -1);
  // A UDP datagram to a resolved peer; the trailer of `flow` is appended.
  bool send_udp(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport,
                const uint8_t* payload, size_t len, uint32_t flow);
  // A raw frame into a site's attachment circuit (the site's VLAN is added).
  bool send_raw(uint32_t site, const MacAddr& dst, const MacAddr& src, uint16_t ether_type,
                size_t payload_len);

  // Drains every access port: ARP is answered here (at the backbone's now),
  // tracked frames go to the Tracker with the time the frame left its PE
  // (the frame's own time, sim/link.hpp), UDP to `on_udp`. Returns frames read.
  unsigned receive(const std::function<void(const UdpDelivery&)>& on_udp);

  uint64_t stray_frames() const { return stray_; }  // left a PE port matching no site

 private:
  rte_mbuf* alloc(size_t len);
  bool enqueue(Host& h, rte_mbuf* m);
  size_t write_l2(uint8_t* d, const MacAddr& dst, const MacAddr& src, uint16_t vlan,
                  uint16_t ether_type);
  // `at`: when the frame left the PE (its frame_time: routers forward in
  // zero time, so the time it reached the PE).
  void deliver(uint32_t host, const uint8_t* d, size_t len, const dp::EthernetView& eth,
               uint64_t at, const std::function<void(const UdpDelivery&)>& on_udp);

  Backbone& bb_;
  std::vector<AccessPort*> scratch_;  // receive(): the ports listed
  rte_mempool* pool_;
  Tracker& tracker_;
  std::vector<Host> hosts_;
  std::vector<SiteHosts> sites_;
  std::map<uint32_t, uint32_t> site_slot_;  // Topology::sites index -> sites_ index
  // (access port, VLAN) -> sites_ index; VLAN 0: the port-based site.
  std::map<std::pair<const AccessPort*, uint16_t>, uint32_t> by_port_vlan_;
  std::vector<AccessPort*> ports_;  // every access port with hosts, in a fixed order
  uint64_t stray_ = 0;
};

}  // namespace l2vpn::sim
