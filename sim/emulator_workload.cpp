// The emulated hosts' applications: memcached clients and servers, a redis
// replication stream, IMIX, ARP, and MAC aging, scheduled on the agenda.
#include <fmt/format.h>

#include <algorithm>

#include "sim/emulator_impl.hpp"

namespace l2vpn::sim {

namespace {

constexpr uint16_t kMemcachedPort = 11211;
constexpr uint16_t kRedisPort = 6379;
constexpr uint16_t kDiscardPort = 9;
constexpr size_t kMemcachedUdpHeader = 8;
// memcached's UDP datagrams carry at most 1400 bytes of payload (header included).
constexpr size_t kMemcachedDatagram = 1400 - kTrailerLen;

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Bytes of IPv4 + UDP + trailer around a payload, and the MAC header.
constexpr size_t kIpUdpTrailer = 20 + 8 + kTrailerLen;
size_t l2_len(const Host& h) { return 14 + (h.vlan ? 4 : 0); }

}  // namespace

bool Emulator::Impl::send(uint32_t from, uint32_t to, uint16_t sport, uint16_t dport, uint32_t flow) {
  if (!hosts->resolved(from, to)) {
    ++unresolved[hosts->host(from).service];
    return false;
  }
  return hosts->send_udp(from, to, sport, dport, reinterpret_cast<const uint8_t*>(buf.data()),
                         buf.size(), flow);
}

void Emulator::Impl::schedule_workload() {
  const Workload& w = opt.workload;
  const uint64_t end = opt.duration_ns;
  auto& hs = hosts->hosts();
  arp_flow.resize(hs.size());
  arp_peers.resize(hs.size());
  arp_next.assign(hs.size(), 0);
  std::vector<std::vector<uint32_t>> data_peers(hs.size());

  // Broadcast (ARP) flows: every host of the service at another site must see them.
  for (auto& h : hs) {
    std::vector<uint32_t> rx;
    for (auto id : hosts->service_hosts(h.service))
      if (hs[id].site != h.site) rx.push_back(id);
    arp_flow[h.id] = tracker.add_flow(FlowKind::arp, h.service, h.id, -1, rx);
    arp_peers[h.id] = rx;
  }

  for (uint32_t svc = 0; svc < services.size(); ++svc) {
    // Hosts of the service grouped by site, in the service's site order.
    std::vector<std::vector<uint32_t>> by_site;
    for (auto site : services[svc].sites) {
      std::vector<uint32_t> v;
      for (auto& s : hosts->sites())
        if (s.site == site && !s.hosts.empty() && hs[s.hosts[0]].service == svc) v = s.hosts;
      if (!v.empty()) by_site.push_back(v);
    }
    if (by_site.size() < 2) continue;
    const uint32_t mtu = services[svc].mtu;
    const bool vpls = services[svc].kind == "vpls";

    if (vpls && w.memcached_rps > 0) {
      const uint32_t server = by_site[0][0];
      for (size_t k = 1; k < by_site.size(); ++k)
        for (uint32_t client : by_site[k]) {
          const uint32_t req = tracker.add_flow(FlowKind::memcached_request, svc, client, server, {server});
          mc_response_flow[{server, client}] =
              tracker.add_flow(FlowKind::memcached_response, svc, server, client, {client});
          data_peers[client].push_back(server);
          auto rng = std::make_shared<Rng>(opt.seed, 0x10000 + client);
          auto tick = recurring_task();
          *tick = [this, client, server, req, rng, tick, end, mtu, &w] {
            const uint64_t key = rng->below(100'000);
            const uint32_t ksize = etc_key_size(*rng);
            std::string k = fmt::format("key:{:06}:", key);
            if (k.size() < ksize) k.append(ksize - k.size(), 'k');
            const uint16_t id = mc_request_id[client]++;
            buf.assign(kMemcachedUdpHeader, '\0');
            buf[0] = char(id >> 8);
            buf[1] = char(id);
            buf[5] = 1;  // datagrams in this message
            if (rng->chance(w.memcached_set_ratio)) {
              // A SET fits one datagram (memcached takes no multi-datagram requests).
              const size_t room = std::min<size_t>(kMemcachedDatagram, mtu - kIpUdpTrailer - 2) -
                                  kMemcachedUdpHeader - k.size() - 32;
              const uint32_t n = etc_value_size(*rng, uint32_t(room));
              buf += fmt::format("set {} 0 0 {}\r\n", k, n);
              buf.append(n, 'v');
              buf += "\r\n";
            } else {
              buf += fmt::format("get {}\r\n", k);
            }
            send(client, server, uint16_t(40000 + client % 20000), kMemcachedPort, req);
            const uint64_t next = now() + std::max<uint64_t>(1, uint64_t(rng->exponential(1e9 / w.memcached_rps)));
            if (next < end) at(next, *tick);
            else *tick = nullptr;
          };
          // Nothing starts after the end (a warm-up longer than the run sends no data).
          const uint64_t first = w.warmup_ns + rng->below(uint64_t(1e9 / w.memcached_rps));
          if (first < end) at(first, *tick);
          else *tick = nullptr;
        }
    }

    if (vpls && w.redis_mbps > 0) {
      const uint32_t master = by_site[1].back();
      const uint32_t replica = by_site.size() > 2 ? by_site.back().back() : by_site[0].back();
      const uint32_t flow = tracker.add_flow(FlowKind::redis_replication, svc, master, replica, {replica});
      data_peers[master].push_back(replica);
      const uint64_t gap = std::max<uint64_t>(1, uint64_t(double(w.redis_frame_bytes) * 8e3 / w.redis_mbps));
      const size_t l2 = l2_len(hs[master]);
      const size_t payload = w.redis_frame_bytes > l2 + kIpUdpTrailer
                                 ? std::min<size_t>(w.redis_frame_bytes - l2 - kIpUdpTrailer, mtu - kIpUdpTrailer)
                                 : 0;
      auto seq = std::make_shared<uint64_t>(0);
      auto tick = recurring_task();
      *tick = [this, master, replica, flow, gap, payload, seq, tick, end] {
        // The replication stream: RESP commands, cut into frames.
        const uint64_t n = (*seq)++;
        buf = fmt::format("*3\r\n$3\r\nSET\r\n$12\r\nrepl:{:07}\r\n${}\r\n", n % 10'000'000,
                          payload > 48 ? payload - 48 : 0);
        buf.resize(payload, 'r');
        send(master, replica, kRedisPort, 50000, flow);
        if (now() + gap < end) at(now() + gap, *tick);
        else *tick = nullptr;
      };
      const uint64_t first = w.warmup_ns + Rng(opt.seed, 0x20000 + svc).below(gap);
      if (first < end) at(first, *tick);
      else *tick = nullptr;
    }

    if ((!vpls || w.imix_on_vpls) && w.imix_pps > 0) {
      const uint32_t a = by_site[0][0], b = by_site[1][0];
      for (auto ends : {std::pair{a, b}, std::pair{b, a}}) {
        // Not a structured binding: clang 14 cannot capture one (fuzz/sanitizer build).
        const uint32_t from = ends.first, to = ends.second;
        const uint32_t flow = tracker.add_flow(FlowKind::imix, svc, from, to, {to});
        data_peers[from].push_back(to);
        auto rng = std::make_shared<Rng>(opt.seed, 0x30000 + from * 1000 + to);
        const uint64_t gap = std::max<uint64_t>(1, uint64_t(1e9 / w.imix_pps));
        const size_t l2 = l2_len(hs[from]);
        auto tick = recurring_task();
        *tick = [this, from, to, flow, rng, gap, l2, tick, end, mtu] {
          // 7:4:1 of 64, 570 and 1518 bytes on the wire (FCS included).
          const uint64_t pick = rng->below(12);
          const size_t wire = pick < 7 ? 64 : pick < 11 ? 570 : 1518;
          size_t payload = wire - 4 > l2 + kIpUdpTrailer ? wire - 4 - l2 - kIpUdpTrailer : 0;
          payload = std::min<size_t>(payload, mtu - kIpUdpTrailer);
          buf.assign(payload, '\0');
          send(from, to, kDiscardPort, kDiscardPort, flow);
          if (now() + gap < end) at(now() + gap, *tick);
          else *tick = nullptr;
        };
        const uint64_t first = w.warmup_ns + rng->below(gap);
        if (first < end) at(first, *tick);
        else *tick = nullptr;
      }
    }
  }

  // ARP: at start every host resolves its data peers; then each host sends
  // one request every arp_interval for its peers in turn (broadcast
  // background, and what keeps VPLS learning from real frames).
  for (auto& h : hs) {
    const uint32_t id = h.id;
    auto& peers = data_peers[id];
    std::sort(peers.begin(), peers.end());
    peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
    uint64_t t0 = uint64_t(id) * 10'000;
    for (auto p : peers) {
      at(t0, [this, id, p] { hosts->send_arp_request(id, p, arp_flow[id]); });
      t0 += 1000;
    }
    if (!peers.empty()) arp_peers[id] = peers;
    if (w.arp_interval_ns && !arp_peers[id].empty()) {
      auto tick = recurring_task();
      *tick = [this, id, tick, end, &w] {
        auto& peers = arp_peers[id];
        hosts->send_arp_request(id, peers[arp_next[id]++ % peers.size()], arp_flow[id]);
        if (now() + w.arp_interval_ns < end) at(now() + w.arp_interval_ns, *tick);
        else *tick = nullptr;
      };
      const uint64_t first = w.warmup_ns + Rng(opt.seed, 0x40000 + id).below(w.arp_interval_ns);
      if (first < end) at(first, *tick);
      else *tick = nullptr;
    }
  }

  // MAC aging on the control thread, on the virtual clock.
  auto age = recurring_task();
  *age = [this, age, end] {
    for (auto& r : bb->routers()) {
      r->clock().set_manual(now());
      r->age_macs();
    }
    if (now() + kAgeIntervalNs < end) at(now() + kAgeIntervalNs, *age);
    else *age = nullptr;
  };
  if (kAgeIntervalNs < end) at(kAgeIntervalNs, *age);
  else *age = nullptr;

  for (auto& e : events) at(e.spec.at_ns, [this, &e] { fire(e); });
  if (oam) oam->start();
}

void Emulator::Impl::on_udp(const UdpDelivery& u) {
  const Host& h = hosts->host(u.host);
  if (u.dst_port != kMemcachedPort || u.len < kMemcachedUdpHeader) return;
  // A memcached server: answer after its service time.
  auto client_it = host_by_ip.find({h.service, u.src_ip});
  if (client_it == host_by_ip.end()) return;
  auto flow_it = mc_response_flow.find({u.host, client_it->second});
  if (flow_it == mc_response_flow.end()) return;
  const uint32_t server = u.host, client = client_it->second, flow = flow_it->second;
  const uint16_t req_id = uint16_t(u.payload[0] << 8 | u.payload[1]);
  std::string_view cmd(reinterpret_cast<const char*>(u.payload + kMemcachedUdpHeader),
                       u.len - kMemcachedUdpHeader);
  std::string reply;
  if (cmd.starts_with("get ")) {
    const auto key = cmd.substr(4, cmd.find('\r') - 4);
    const uint64_t hkey = splitmix(std::hash<std::string_view>{}(key) ^ opt.seed);
    if (double(hkey % 1000) < opt.workload.memcached_hit_ratio * 1000) {
      // The value's size is a property of the key: the same key, the same size.
      Rng vr(hkey);
      const uint32_t n = etc_value_size(vr, opt.workload.memcached_value_cap);
      reply = fmt::format("VALUE {} 0 {}\r\n", key, n);
      reply.append(n, 'v');
      reply += "\r\nEND\r\n";
    } else {
      reply = "END\r\n";
    }
  } else if (cmd.starts_with("set ")) {
    reply = "STORED\r\n";
  } else {
    reply = "ERROR\r\n";
  }
  Rng think(opt.seed ^ splitmix(uint64_t(req_id) << 32 | client));
  const uint64_t delay = 1000 + uint64_t(think.exponential(opt.workload.memcached_service_us * 1000));
  const uint32_t mtu = services[h.service].mtu;
  at(now() + delay, [this, server, client, flow, req_id, reply = std::move(reply), mtu] {
    const size_t chunk = std::min<size_t>(kMemcachedDatagram, mtu - kIpUdpTrailer) - kMemcachedUdpHeader;
    const size_t total = (reply.size() + chunk - 1) / chunk;
    for (size_t i = 0; i < total; ++i) {
      buf.assign(kMemcachedUdpHeader, '\0');
      buf[0] = char(req_id >> 8);
      buf[1] = char(req_id);
      buf[2] = char(i >> 8);
      buf[3] = char(i);
      buf[4] = char(total >> 8);
      buf[5] = char(total);
      buf.append(reply, i * chunk, chunk);
      send(server, client, kMemcachedPort, uint16_t(40000 + client % 20000), flow);
    }
  });
}

}  // namespace l2vpn::sim
