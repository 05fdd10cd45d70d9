#include "sim/hosts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "dataplane/packet.hpp"

namespace l2vpn::sim {

using dp::load_be16;
using dp::load_be32;
using dp::store_be16;
using dp::store_be32;

namespace {
constexpr MacAddr kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr size_t kIpv4Len = 20, kUdpLen = 8, kArpLen = 28;
constexpr size_t kMinFrame = 60;  // without FCS

uint16_t ip_checksum(const uint8_t* p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += load_be16(p + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}
}  // namespace

std::vector<ServiceInfo> list_services(const cp::Topology& topo) {
  std::vector<ServiceInfo> out;
  auto site_index = [&](const std::string& name) {
    for (uint32_t i = 0; i < topo.sites.size(); ++i)
      if (topo.sites[i].name == name) return i;
    return UINT32_MAX;
  };
  for (auto& v : topo.vpws) {
    ServiceInfo s{"vpws", v.name, {}, v.mtu};
    for (auto* n : {&v.site_a, &v.site_b})
      if (auto i = site_index(*n); i != UINT32_MAX) s.sites.push_back(i);
    out.push_back(std::move(s));
  }
  for (auto& v : topo.vpls) {
    ServiceInfo s{"vpls", v.name, {}, v.mtu};
    for (auto& n : v.sites)
      if (auto i = site_index(n); i != UINT32_MAX) s.sites.push_back(i);
    out.push_back(std::move(s));
  }
  return out;
}

Hosts::Hosts(const cp::Topology& topo, const std::vector<ServiceInfo>& services, Backbone& bb,
             rte_mempool* pool, unsigned hosts_per_site, Tracker& tracker)
    : bb_(bb), pool_(pool), tracker_(tracker) {
  std::set<uint32_t> taken;  // a site serves the first service that names it
  std::set<const AccessPort*> port_seen;
  for (uint32_t svc = 0; svc < services.size(); ++svc) {
    auto& s = services[svc];
    for (uint32_t k = 0; k < s.sites.size(); ++k) {
      const uint32_t site = s.sites[k];
      if (!taken.insert(site).second) continue;
      auto& ts = topo.sites[site];
      AccessPort* ap = bb.access_port(ts.pe, ts.port);
      if (!ap) continue;
      SiteHosts sh{site, {}, 0};
      for (unsigned n = 0; n < hosts_per_site; ++n) {
        Host h;
        h.id = uint32_t(hosts_.size());
        h.name = fmt::format("{}/h{}", ts.name, n);
        h.site = site;
        h.service = svc;
        h.mac = {0x02, 0x00, uint8_t(h.id >> 24), uint8_t(h.id >> 16), uint8_t(h.id >> 8),
                 uint8_t(h.id)};
        h.ip = 10u << 24 | ((svc + 1) & 0xff) << 16 | (k & 0xff) << 8 | ((n + 1) & 0xff);
        h.vlan = ts.vlan;
        h.port = ap;
        sh.hosts.push_back(h.id);
        hosts_.push_back(std::move(h));
      }
      site_slot_[site] = uint32_t(sites_.size());
      by_port_vlan_[{ap, ts.vlan}] = uint32_t(sites_.size());
      sites_.push_back(std::move(sh));
      if (port_seen.insert(ap).second) {
        ap->out_order = uint32_t(ports_.size());
        ports_.push_back(ap);
      }
    }
  }
}

std::vector<uint32_t> Hosts::service_hosts(uint32_t service) const {
  std::vector<uint32_t> out;
  for (auto& h : hosts_)
    if (h.service == service) out.push_back(h.id);
  return out;
}

namespace {
// The largest frame a host sends or reads: the scenario's redis_frame_bytes
// goes up to 9216, plus a VLAN tag.
constexpr size_t kMaxHostFrame = 9216 + 4;

// Frames above the shared pool's data room (jumbo frames on a service with
// MTU 9000) come from a pool of large buffers, made once per process when
// first needed and never freed (its mbufs travel through every router).
rte_mempool* jumbo_pool() {
  static rte_mempool* const mp = [] {
    return rte_pktmbuf_pool_create("sim_jumbo_pool", 4095, 256, 0,
                                   uint16_t(kMaxHostFrame + 64 + RTE_PKTMBUF_HEADROOM), SOCKET_ID_ANY);
  }();
  return mp;
}
}  // namespace

rte_mbuf* Hosts::alloc(size_t len) {
  const size_t room = size_t(rte_pktmbuf_data_room_size(pool_)) - RTE_PKTMBUF_HEADROOM;
  rte_mempool* mp = pool_;
  if (len > room) [[unlikely]] {
    mp = jumbo_pool();
    if (!mp) return nullptr;
  }
  rte_mbuf* m = rte_pktmbuf_alloc(mp);
  if (!m) return nullptr;
  if (!rte_pktmbuf_append(m, uint16_t(len))) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  return m;
}

bool Hosts::enqueue(Host& h, rte_mbuf* m) {
  if (rte_ring_enqueue(h.port->to_pe.get(), m) != 0) {
    rte_pktmbuf_free(m);
    ++h.tx_fail;
    return false;
  }
  bb_.note_to_pe(h.port);
  ++h.tx_frames;
  return true;
}

size_t Hosts::write_l2(uint8_t* d, const MacAddr& dst, const MacAddr& src, uint16_t vlan,
                       uint16_t ether_type) {
  std::memcpy(d, dst.data(), 6);
  std::memcpy(d + 6, src.data(), 6);
  size_t off = 12;
  if (vlan) {
    store_be16(d + off, dp::kEtherTypeVlan);
    store_be16(d + off + 2, vlan);
    off += 4;
  }
  store_be16(d + off, ether_type);
  return off + 2;
}

bool Hosts::send_arp_request(uint32_t from, uint32_t to, int64_t flow) {
  Host& h = hosts_[from];
  const size_t l2 = 14 + (h.vlan ? 4 : 0);
  const size_t len = std::max(l2 + kArpLen + kTrailerLen, kMinFrame);
  rte_mbuf* m = alloc(len);
  if (!m) {
    ++h.tx_fail;
    return false;
  }
  auto* d = rte_pktmbuf_mtod(m, uint8_t*);
  std::memset(d, 0, len);
  size_t off = write_l2(d, kBroadcast, h.mac, h.vlan, dp::kEtherTypeArp);
  uint8_t* a = d + off;
  store_be16(a, 1);
  store_be16(a + 2, dp::kEtherTypeIpv4);
  a[4] = 6;
  a[5] = 4;
  store_be16(a + 6, 1);  // request
  std::memcpy(a + 8, h.mac.data(), 6);
  store_be32(a + 14, h.ip);
  store_be32(a + 24, hosts_[to].ip);
  // The padding after the ARP body carries the tracking trailer.
  if (flow >= 0) write_trailer(a + kArpLen, tracker_.next(uint32_t(flow), bb_.now()));
  ++h.arp_requests;
  if (!enqueue(h, m)) {
    if (flow >= 0) tracker_.unsend(uint32_t(flow));
    return false;
  }
  return true;
}

bool Hosts::send_udp(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport,
                     const uint8_t* payload, size_t plen, uint32_t flow) {
  Host& h = hosts_[from];
  const Host& peer = hosts_[to];
  auto it = h.arp.find(peer.ip);
  if (it == h.arp.end()) return false;
  const size_t l2 = 14 + (h.vlan ? 4 : 0);
  const size_t udp_len = kUdpLen + plen + kTrailerLen;
  const size_t len = std::max(l2 + kIpv4Len + udp_len, kMinFrame);
  rte_mbuf* m = alloc(len);
  if (!m) {
    ++h.tx_fail;
    return false;
  }
  auto* d = rte_pktmbuf_mtod(m, uint8_t*);
  size_t off = write_l2(d, it->second, h.mac, h.vlan, dp::kEtherTypeIpv4);
  uint8_t* ip = d + off;
  ip[0] = 0x45;
  ip[1] = 0;
  store_be16(ip + 2, uint16_t(kIpv4Len + udp_len));
  store_be16(ip + 4, h.ip_id++);
  store_be16(ip + 6, 0x4000);  // DF
  ip[8] = 64;
  ip[9] = 17;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, h.ip);
  store_be32(ip + 16, peer.ip);
  store_be16(ip + 10, ip_checksum(ip, kIpv4Len));
  uint8_t* udp = ip + kIpv4Len;
  store_be16(udp, sport);
  store_be16(udp + 2, dport);
  store_be16(udp + 4, uint16_t(udp_len));
  store_be16(udp + 6, 0);  // no checksum (allowed over IPv4)
  if (plen) std::memcpy(udp + kUdpLen, payload, plen);
  write_trailer(udp + kUdpLen + plen, tracker_.next(flow, bb_.now()));
  if (size_t end = off + kIpv4Len + udp_len; end < len) std::memset(d + end, 0, len - end);
  if (!enqueue(h, m)) {
    tracker_.unsend(flow);
    return false;
  }
  return true;
}

bool Hosts::send_raw(uint32_t site, const MacAddr& dst, const MacAddr& src, uint16_t ether_type,
                     size_t payload_len) {
  auto slot = site_slot_.find(site);
  if (slot == site_slot_.end() || sites_[slot->second].hosts.empty()) return false;
  Host& h = hosts_[sites_[slot->second].hosts[0]];
  const size_t len = std::max(14 + (h.vlan ? 4u : 0u) + payload_len, kMinFrame);
  rte_mbuf* m = alloc(len);
  if (!m) {
    ++h.tx_fail;
    return false;
  }
  auto* d = rte_pktmbuf_mtod(m, uint8_t*);
  std::memset(d, 0, len);
  write_l2(d, dst, src, h.vlan, ether_type);
  return enqueue(h, m);
}

void Hosts::deliver(uint32_t id, const uint8_t* d, size_t len, const dp::EthernetView& eth,
                    uint64_t at, const std::function<void(const UdpDelivery&)>& on_udp) {
  Host& h = hosts_[id];
  ++h.rx_frames;
  const uint8_t* p = d + eth.header_len;
  const size_t plen = len - eth.header_len;
  if (eth.ether_type == dp::kEtherTypeArp && plen >= kArpLen) {
    const uint16_t op = load_be16(p + 6);
    MacAddr sha;
    std::memcpy(sha.data(), p + 8, 6);
    const uint32_t spa = load_be32(p + 14), tpa = load_be32(p + 24);
    Trailer t;
    if (op == 1 && plen >= kArpLen + kTrailerLen && read_trailer(p + kArpLen, t))
      tracker_.receive(id, t, at);
    if (op == 1 && tpa == h.ip) {
      // Like Linux: a request for us also teaches us the asker.
      h.arp[spa] = sha;
      const size_t l2 = 14 + (h.vlan ? 4 : 0);
      const size_t rlen = std::max(l2 + kArpLen, kMinFrame);
      if (rte_mbuf* m = alloc(rlen)) {
        auto* r = rte_pktmbuf_mtod(m, uint8_t*);
        std::memset(r, 0, rlen);
        uint8_t* a = r + write_l2(r, sha, h.mac, h.vlan, dp::kEtherTypeArp);
        store_be16(a, 1);
        store_be16(a + 2, dp::kEtherTypeIpv4);
        a[4] = 6;
        a[5] = 4;
        store_be16(a + 6, 2);  // reply
        std::memcpy(a + 8, h.mac.data(), 6);
        store_be32(a + 14, h.ip);
        std::memcpy(a + 18, sha.data(), 6);
        store_be32(a + 24, spa);
        ++h.arp_replies;
        enqueue(h, m);
      } else {
        ++h.tx_fail;
      }
    } else if (op == 2 && tpa == h.ip) {
      h.arp[spa] = sha;
    }
    return;
  }
  if (eth.ether_type != dp::kEtherTypeIpv4 || plen < kIpv4Len + kUdpLen) return;
  if (p[9] != 17 || (p[0] >> 4) != 4) return;
  const size_t ihl = size_t(p[0] & 0xf) * 4;
  const size_t total = std::min<size_t>(load_be16(p + 2), plen);
  if (total < ihl + kUdpLen) return;
  const uint8_t* udp = p + ihl;
  const size_t ulen = std::min<size_t>(load_be16(udp + 4), total - ihl);
  if (ulen < kUdpLen) return;
  UdpDelivery u{id, load_be32(p + 12), load_be16(udp), load_be16(udp + 2), udp + kUdpLen,
                ulen - kUdpLen, false, {}};
  if (u.len >= kTrailerLen && read_trailer(u.payload + u.len - kTrailerLen, u.trailer)) {
    u.tracked = true;
    u.len -= kTrailerLen;
    tracker_.receive(id, u.trailer, at);
  }
  if (on_udp) on_udp(u);
}

unsigned Hosts::receive(const std::function<void(const UdpDelivery&)>& on_udp) {
  unsigned total = 0;
  rte_mbuf* burst[64];
  // Only the ports the PEs sent to (Backbone::access_out), in our port
  // order as a scan of every port would visit them.
  auto& listed = bb_.access_out();
  if (listed.empty()) return 0;
  scratch_.swap(listed);
  std::sort(scratch_.begin(), scratch_.end(),
            [](const AccessPort* a, const AccessPort* b) { return a->out_order < b->out_order; });
  for (AccessPort* ap : scratch_) {
    ap->out_listed = false;
    if (ap->out_order == UINT32_MAX) continue;  // no hosts here: as before, nobody reads it
    unsigned n;
    while ((n = rte_ring_dequeue_burst(ap->from_pe.get(), reinterpret_cast<void**>(burst), 64,
                                       nullptr)) > 0) {
      total += n;
      for (unsigned i = 0; i < n; ++i) {
        rte_mbuf* m = burst[i];
        // Replicas may be chained (a header mbuf and an indirect one): read
        // the frame linearly.
        uint8_t copy[kMaxHostFrame];
        const uint32_t len = std::min<uint32_t>(rte_pktmbuf_pkt_len(m), sizeof copy);
        const auto* d = static_cast<const uint8_t*>(rte_pktmbuf_read(m, 0, len, copy));
        dp::EthernetView eth;
        if (!d || dp::parse_ethernet(d, len, eth) != dp::ParseResult::ok) {
          ++stray_;
          rte_pktmbuf_free(m);
          continue;
        }
        const uint16_t vid = eth.n_tags ? eth.outer_vid() : 0;
        auto it = by_port_vlan_.find({ap, vid});
        if (it == by_port_vlan_.end()) it = by_port_vlan_.find({ap, 0});
        if (it == by_port_vlan_.end()) {
          ++stray_;
          rte_pktmbuf_free(m);
          continue;
        }
        SiteHosts& sh = sites_[it->second];
        const uint64_t at = frame_time(m);
        if (eth.dst[0] & 1) {  // broadcast, multicast: every host of the site
          for (auto hid : sh.hosts) deliver(hid, d, len, eth, at, on_udp);
        } else {
          bool found = false;
          for (auto hid : sh.hosts)
            if (std::memcmp(hosts_[hid].mac.data(), eth.dst, 6) == 0) {
              deliver(hid, d, len, eth, at, on_udp);
              found = true;
              break;
            }
          if (!found) ++sh.flood_seen;
        }
        rte_pktmbuf_free(m);
      }
    }
  }
  scratch_.clear();
  return total;
}

}  // namespace l2vpn::sim
