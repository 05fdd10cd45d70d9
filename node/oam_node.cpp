#include "node/oam_node.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "contract/ecmp_hash.hpp"
#include "dataplane/packet.hpp"
#include "node/fastpath.hpp"
#include "oam/initiator.hpp"
#include "oam/responder.hpp"
#include "oam/state_view.hpp"

namespace l2vpn::node {

namespace {

using Clock = std::chrono::steady_clock;
constexpr unsigned kMaxInitiators = 4;  // ping/traceroute requests running at once

uint64_t unix_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count());
}

std::string labels_text(const std::vector<uint32_t>& ls) {
  if (ls.empty()) return "-";
  std::string out;
  for (uint32_t l : ls) out += (out.empty() ? "" : "/") + (l == kLabelImplicitNull ? std::string("imp-null") : std::to_string(l));
  return out;
}

bool parse_u32(const std::string& w, uint32_t lo, uint32_t hi, uint32_t& out) {
  if (w.empty() || w.size() > 9 || w.find_first_not_of("0123456789") != std::string::npos) return false;
  out = uint32_t(std::stoul(w));
  return out >= lo && out <= hi;
}

}  // namespace

Result<OamRequest> parse_oam_request(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string s; in >> s;) w.push_back(s);
  OamRequest r;
  if (w.size() < 4 || (w[0] != "ping" && w[0] != "traceroute") || w[1] != "mpls" || w[2] != "ldp")
    return Error{"expected 'ping|traceroute mpls ldp PREFIX/LEN ...'"};
  r.trace = w[0] == "traceroute";
  r.fec_text = w[3];
  const size_t slash = w[3].find('/');
  uint32_t len = 32;
  if (!oam::parse_ipv4(w[3].substr(0, slash), r.fec.prefix) ||
      (slash != std::string::npos && !parse_u32(w[3].substr(slash + 1), 0, 32, len)))
    return Error{fmt::format("'{}' is not an IPv4 prefix (e.g. 10.255.0.4/32)", w[3])};
  r.fec.length = uint8_t(len);
  r.fec_text = oam::ipv4_to_string(r.fec.prefix) + "/" + std::to_string(len);
  for (size_t i = 4; i < w.size(); ++i) {
    const std::string& k = w[i];
    auto number = [&](uint32_t lo, uint32_t hi, uint32_t& out) -> Status {
      if (i + 1 >= w.size() || !parse_u32(w[i + 1], lo, hi, out))
        return Error{fmt::format("{} wants a number from {} to {}", k, lo, hi)};
      ++i;
      return Status::success();
    };
    Status st = Status::success();
    if (k == "json") r.json = true;
    else if (k == "multipath" && r.trace) r.multipath = true;
    else if (k == "count" && !r.trace) st = number(1, 10000, r.count);
    else if (k == "interval" && !r.trace) st = number(0, 60000, r.interval_ms);
    else if (k == "timeout") st = number(1, 60000, r.timeout_ms);
    else if (k == "max-ttl" && r.trace) st = number(1, 255, r.max_ttl);
    else return Error{fmt::format("unknown word '{}'", k)};
    if (!st) return st.error();
  }
  return r;
}

namespace {
std::string who_json(const nlohmann::json& address, const nlohmann::json& name) {
  const std::string a = address.get<std::string>(), n = name.is_string() ? name.get<std::string>() : "";
  return n.empty() ? a : fmt::format("{} ({})", a, n);
}
}  // namespace

std::string format_oam(const nlohmann::json& j) {
  std::string text;
  const std::vector<uint32_t> none;
  if (!j.contains("paths")) {  // ping
    const std::vector<uint32_t> ol = j.value("outLabels", none);
    text = fmt::format(
        "Sending {} MPLS echo requests to {} (LDP IPv4 prefix) from {} ({}), out {} label {},\n"
        "     timeout is {} ms, send interval is {} ms:\n"
        "Codes: '!' - egress for the FEC (success), '.' - no reply, '?' - another return code\n",
        j.value("count", 0u), j.value("fec", ""), j.value("router", ""), j.value("source", ""),
        j.value("outPort", ""), labels_text(ol), j.value("timeoutMs", 0u), j.value("intervalMs", 0u));
    double mn = 1e18, mx = 0, sum = 0;
    unsigned received = 0;
    for (const auto& r : j["replies"]) {
      if (!r["replied"].get<bool>()) {
        text += fmt::format("  seq {:<4} .  no reply within {} ms\n", r["seq"].get<unsigned>(), j.value("timeoutMs", 0u));
        continue;
      }
      const double rtt = r["rttMs"];
      ++received;
      mn = std::min(mn, rtt);
      mx = std::max(mx, rtt);
      sum += rtt;
      const int rc = r["returnCode"];
      text += fmt::format("  seq {:<4} {}  reply from {}  return code {} ({})  rtt {:.3f} ms\n",
                          r["seq"].get<unsigned>(), rc == 3 ? '!' : '?', who_json(r["from"], r["name"]), rc,
                          r["text"].get<std::string>(), rtt);
    }
    const unsigned sent = j.value("sent", 0u), ok = j.value("egress", 0u);
    text += fmt::format("Success rate is {} percent ({}/{})", sent ? 100 * ok / sent : 0, ok, sent);
    if (received) text += fmt::format(", round-trip min/avg/max = {:.3f}/{:.3f}/{:.3f} ms", mn, sum / received, mx);
    return text + "\n";
  }
  text = fmt::format("Tracing MPLS LSP to {} (LDP IPv4 prefix) from {} ({}){}, max TTL {}, timeout {} ms\n",
                     j.value("fec", ""), j.value("router", ""), j.value("source", ""),
                     j.value("multipath", false) ? ", every ECMP branch (multipath, bit-masked label set)" : "",
                     j.value("maxTtl", 0u), j.value("timeoutMs", 0u));
  text += "Codes: L - label switched, E - egress for the FEC, . - no reply, ? - another return code\n";
  size_t i = 0;
  for (const auto& p : j["paths"]) {
    const std::vector<uint32_t> ol = p.value("outLabels", none);
    text += fmt::format("path {}: out {} label {} to {}\n", ++i, p.value("outPort", ""), labels_text(ol),
                        p.value("firstHop", ""));
    for (const auto& h : p["hops"]) {
      const std::string in = h["inLabel"].is_null() ? "-" : std::to_string(h["inLabel"].get<uint32_t>());
      if (!h["replied"].get<bool>()) {
        text += fmt::format("  {:>2} .  no reply (sent with label {})\n", h["ttl"].get<int>(), in);
        continue;
      }
      const int rc = h["returnCode"];
      text += fmt::format("  {:>2} {}  {:<24} in label {:<8} rc {} ({})  rtt {:.3f} ms\n", h["ttl"].get<int>(),
                          rc == 8 ? 'L' : rc == 3 ? 'E' : '?', who_json(h["from"], h["name"]), in, rc,
                          h["text"].get<std::string>(), h["rttMs"].get<double>());
      for (const auto& d : h["downstreams"]) {
        const std::vector<uint32_t> ls = d["labels"];
        text += fmt::format("        downstream {} labels {} MRU {}\n", who_json(d["address"], d["name"]),
                            labels_text(ls), d["mtu"].get<int>());
      }
    }
    text += p.value("complete", false) ? "  complete\n" : "  ended: " + p.value("end", std::string("?")) + "\n";
  }
  return text;
}

struct OamNode::Impl {
  FastPath& fast;
  OamNodeOptions opt;
  int sock = -1;
  std::thread thread;
  std::atomic<bool> stop{false};

  mutable std::mutex mu;  // everything below
  std::condition_variable cv;
  std::shared_ptr<const ForwardingState> state;
  oam::StateViewInputs inputs;
  uint64_t inputs_version = 0, state_version = 0;
  OamNodeCounters counters;
  unsigned initiators = 0;
  uint32_t next_handle = 0;
  uint32_t next_sequence = 0;
  struct Pending {
    bool done = false;
    oam::EchoPacket reply;
    uint32_t from = 0;
    Clock::time_point at{};
  };
  std::map<uint64_t, Pending> pending;

  // The responder's view, rebuilt on the OAM thread when state or inputs changed.
  std::optional<oam::TableView> view;
  uint64_t view_state = UINT64_MAX, view_inputs = UINT64_MAX;

  Impl(FastPath& f, const OamNodeOptions& o) : fast(f), opt(o) {}

  static uint64_t key(uint32_t handle, uint32_t seq) { return uint64_t(handle) << 32 | seq; }

  std::string name_of(uint32_t a) const {
    for (const auto& [n, lb] : opt.loopback_by_router)
      if (lb == a) return n;
    return "";
  }

  // ------------------------------------------------------------ the thread
  void run() {
    while (!stop.load()) {
      pollfd p{sock, POLLIN, 0};
      ::poll(&p, 1, 1);
      if (p.revents & POLLIN) read_replies();
      respond_punted();
    }
  }

  void read_replies() {
    for (;;) {
      uint8_t buf[9000];
      sockaddr_in from{};
      socklen_t fl = sizeof(from);
      const ssize_t n = recvfrom(sock, buf, sizeof(buf), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) return;
      const auto at = Clock::now();
      const oam::DecodeResult dec = oam::decode(std::span<const uint8_t>(buf, size_t(n)));
      std::lock_guard<std::mutex> lock(mu);
      if (!dec.ok() || dec.packet.type != uint8_t(oam::MessageType::echo_reply)) {
        ++counters.replies_unmatched;
        continue;
      }
      auto it = pending.find(key(dec.packet.sender_handle, dec.packet.sequence));
      if (it == pending.end() || it->second.done) {
        ++counters.replies_unmatched;
        continue;
      }
      ++counters.replies_in;
      it->second.done = true;
      it->second.reply = dec.packet;
      it->second.from = ntohl(from.sin_addr.s_addr);
      it->second.at = at;
      cv.notify_all();
    }
  }

  void respond_punted() {
    auto frames = fast.drain_oam(64);
    if (frames.empty()) return;
    std::unique_lock<std::mutex> lock(mu);
    if (!view || view_state != state_version || view_inputs != inputs_version) {
      view.reset();
      if (state) {
        // PW peers are named by their LSR id in the node's state (node/pw_state.cpp).
        oam::StateViewInputs in = inputs;
        for (const auto& [name, address] : opt.loopback_by_router) in.loopback_by_router.emplace(name, address);
        for (const Pseudowire& pw : state->pseudowires)
          if (uint32_t a = 0; oam::parse_ipv4(pw.peer, a)) in.loopback_by_router.emplace(pw.peer, a);
        auto v = oam::view_from_state(*state, in);
        if (v) view = std::move(*v);
        else std::fprintf(stderr, "%s: OAM responder: %s\n", opt.router.c_str(), v.error().message.c_str());
      }
      view_state = state_version;
      view_inputs = inputs_version;
    }
    for (const auto& f : frames) {
      const std::vector<uint8_t>& buf = f.frame;
      oam::Received rx;
      size_t off = dp::kEtherHeaderLen;
      if (buf.size() >= off && dp::load_be16(buf.data() + 12) == dp::kEtherTypeMpls) {
        for (unsigned k = 0; k < 8 && off + 4 <= buf.size(); ++k) {
          const uint32_t w = dp::load_be32(buf.data() + off);
          rx.label_stack.push_back(w);
          off += 4;
          if (dp::lse::bos(w)) break;
        }
      }
      if (off > buf.size() ||
          oam::parse_ipv4_udp(std::span<const uint8_t>(buf.data() + off, buf.size() - off), rx.ip) !=
              oam::IpError::ok) {
        ++counters.malformed;  // VCCV and BFD are not served by the node yet: counted here too
        continue;
      }
      const oam::DecodeResult dec = oam::decode(rx.ip.payload);
      if (dec.status == oam::DecodeResult::Status::truncated_header) {
        ++counters.malformed;
        continue;
      }
      if (dec.packet.type == uint8_t(oam::MessageType::echo_reply)) {
        ++counters.replies_unmatched;  // replies come over IP to our socket, not labelled
        continue;
      }
      ++counters.requests_in;
      if (!dec.ok()) ++counters.malformed;  // answered with return code 1
      if (!view) {
        ++counters.no_reply;
        continue;
      }
      rx.ttl_expired = f.reason == dp::OamPuntReason::ttl_expired;
      oam::ntp_time(unix_ns(), rx.timestamp_seconds, rx.timestamp_fraction);
      auto reply = oam::respond(rx.ip.payload, rx, *view);
      if (!reply) {
        ++counters.no_reply;
        continue;
      }
      if (send_reply(*reply)) ++counters.replies_out;
      else ++counters.send_errors;
    }
  }

  // Over IP through the kernel: from our LSR id, UDP 3503, to the request's
  // source address and port; the Reply TOS when the request asked for one,
  // the Router Alert option for reply mode 3.
  bool send_reply(const oam::Reply& r) {
    const oam::Bytes payload = oam::encode(r.packet);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_addr.s_addr = htonl(r.ip.dst);
    dst.sin_port = htons(r.ip.dst_port);
    iovec iov{const_cast<uint8_t*>(payload.data()), payload.size()};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(in_pktinfo)) + CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_name = &dst;
    mh.msg_namelen = sizeof(dst);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(sizeof(in_pktinfo));
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo pi{};
    pi.ipi_spec_dst.s_addr = htonl(opt.lsr_id);
    std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    if (r.ip.tos) {
      mh.msg_controllen = sizeof(cbuf);
      c = CMSG_NXTHDR(&mh, c);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_TOS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      const int tos = r.ip.tos;
      std::memcpy(CMSG_DATA(c), &tos, sizeof(tos));
    }
    // Reply mode 3: the Router Alert option (RFC 2113) on this one datagram.
    static constexpr uint8_t kRouterAlert[4] = {0x94, 0x04, 0, 0};
    if (r.ip.router_alert) setsockopt(sock, IPPROTO_IP, IP_OPTIONS, kRouterAlert, sizeof(kRouterAlert));
    const bool sent = sendmsg(sock, &mh, 0) == ssize_t(payload.size());
    if (r.ip.router_alert) setsockopt(sock, IPPROTO_IP, IP_OPTIONS, nullptr, 0);
    return sent;
  }

  // ------------------------------------------------------------ initiators
  struct Lsp {
    std::string port;
    std::vector<uint32_t> labels;  // pushed (empty: the next hop is the egress)
    MacAddr next_hop_mac{}, port_mac{};
    uint16_t mtu = 1500;
    uint32_t next_hop = 0;  // the LDP neighbour's LSR id on that port
  };

  // The FTN's NHLFEs for the FEC as the fast path would use them now (the
  // LFA while the primary's port is down).
  Result<std::vector<Lsp>> ftn(const OamRequest& q) {
    std::shared_ptr<const ForwardingState> st;
    std::map<std::string, uint32_t> nbr;
    {
      std::lock_guard<std::mutex> lock(mu);
      st = state;
      nbr = inputs.neighbour_by_port;
    }
    if (!st) return Error{"no forwarding state yet"};
    std::vector<Lsp> out;
    for (const FtnEntry& f : st->ftn) {
      if (f.fec != q.fec_text) continue;
      for (const Nhlfe* n : st->nhlfes_of(f.next_hop)) {
        const Nhlfe* use = n;
        if (!fast.port_up(n->out_port) && n->backup_nhlfe)
          if (const Nhlfe* b = st->find_nhlfe(*n->backup_nhlfe); b && fast.port_up(b->out_port)) use = b;
        if (!fast.port_up(use->out_port)) continue;
        Lsp l;
        l.port = use->out_port;
        if (use->op != NhlfeOp::pop) l.labels = use->labels;
        l.next_hop_mac = use->next_hop_mac;
        if (const Port* p = st->find_port(use->out_port)) {
          l.port_mac = p->mac;
          l.mtu = uint16_t(std::min<uint32_t>(p->mtu, 65535));
        }
        if (auto it = nbr.find(use->out_port); it != nbr.end()) l.next_hop = it->second;
        out.push_back(std::move(l));
      }
    }
    if (out.empty()) return Error{fmt::format("{} has no LSP to {} (no FTN entry, or its ports are down)", opt.router, q.fec_text)};
    return out;
  }

  struct Answer {
    bool replied = false;
    oam::EchoPacket reply;
    uint32_t from = 0;
    double rtt_ms = 0;
  };

  // Sends one request down `lsp` and waits for its reply.
  Answer probe(uint32_t handle, const OamRequest& q, const Lsp& lsp, uint8_t ttl,
               const std::vector<uint32_t>& entropy, const std::optional<oam::Ddmap>& ddmap) {
    oam::RequestSpec s;
    s.fecs = {q.fec};
    s.sender_handle = handle;
    s.ddmap = ddmap;
    s.src = opt.lsr_id;
    s.src_port = opt.port;
    uint64_t k = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      s.sequence = ++next_sequence;
      k = key(handle, s.sequence);
      pending[k] = Pending{};
      ++counters.requests_out;
    }
    oam::ntp_time(unix_ns(), s.sent_seconds, s.sent_fraction);
    const oam::Bytes ip = oam::build_request(s);
    const std::vector<uint32_t> lses = oam::request_stack(lsp.labels, ttl, entropy);
    std::vector<uint8_t> frame(dp::kEtherHeaderLen + 4 * lses.size() + ip.size());
    std::memcpy(frame.data(), lsp.next_hop_mac.data(), 6);
    std::memcpy(frame.data() + 6, lsp.port_mac.data(), 6);
    dp::store_be16(frame.data() + 12, lses.empty() ? dp::kEtherTypeIpv4 : dp::kEtherTypeMpls);
    uint8_t* w = frame.data() + dp::kEtherHeaderLen;
    for (uint32_t e : lses) {
      dp::store_be32(w, e);
      w += 4;
    }
    std::memcpy(w, ip.data(), ip.size());
    const auto t0 = Clock::now();
    Answer a;
    std::unique_lock<std::mutex> lock(mu);
    if (fast.send_oam(lsp.port, frame))
      cv.wait_until(lock, t0 + std::chrono::milliseconds(q.timeout_ms),
                    [&] { return stop.load() || pending[k].done; });
    const Pending p = pending[k];
    pending.erase(k);
    if (p.done) {
      a.replied = true;
      a.reply = p.reply;
      a.from = p.from;
      a.rtt_ms = std::chrono::duration<double, std::milli>(p.at - t0).count();
    }
    return a;
  }

  nlohmann::json reply_json(const Answer& a) const {
    nlohmann::json j;
    j["replied"] = a.replied;
    if (!a.replied) return j;
    j["from"] = oam::ipv4_to_string(a.from);
    j["name"] = name_of(a.from);
    j["returnCode"] = a.reply.return_code;
    j["returnSubcode"] = a.reply.return_subcode;
    j["text"] = oam::return_text(a.reply.return_code, a.reply.return_subcode);
    j["rttMs"] = std::round(a.rtt_ms * 1000) / 1000;
    return j;
  }

  std::string who(uint32_t a) const {
    const std::string n = name_of(a);
    return n.empty() ? oam::ipv4_to_string(a) : fmt::format("{} ({})", oam::ipv4_to_string(a), n);
  }

  std::string ping(uint32_t handle, const OamRequest& q) {
    auto lsps = ftn(q);
    if (!lsps) return "error: " + lsps.error().message + "\n";
    const Lsp& lsp = lsps->front();
    nlohmann::json j;
    j["router"] = opt.router;
    j["source"] = oam::ipv4_to_string(opt.lsr_id);
    j["fec"] = q.fec_text;
    j["outPort"] = lsp.port;
    j["outLabels"] = lsp.labels;
    j["timeoutMs"] = q.timeout_ms;
    uint32_t received = 0, success = 0;
    nlohmann::json replies = nlohmann::json::array();
    for (uint32_t i = 0; i < q.count && !stop.load(); ++i) {
      if (i && q.interval_ms) std::this_thread::sleep_for(std::chrono::milliseconds(q.interval_ms));
      const Answer a = probe(handle, q, lsp, 255, {}, std::nullopt);
      auto r = reply_json(a);
      r["seq"] = i + 1;
      replies.push_back(r);
      received += a.replied;
      success += a.replied && a.reply.return_code == uint8_t(oam::ReturnCode::egress);
    }
    j["sent"] = q.count;
    j["received"] = received;
    j["egress"] = success;
    j["replies"] = replies;
    j["count"] = q.count;
    j["intervalMs"] = q.interval_ms;
    return q.json ? j.dump(2) + "\n" : format_oam(j);
  }

  std::string trace(uint32_t handle, const OamRequest& q) {
    auto lsps = ftn(q);
    if (!lsps) return "error: " + lsps.error().message + "\n";
    if (!q.multipath) lsps->resize(1);
    struct Work {
      size_t path;
      size_t lsp;
      uint8_t ttl;
      std::optional<uint32_t> in_label;
      std::vector<uint32_t> entropy;
      oam::Ddmap asked;
    };
    nlohmann::json paths = nlohmann::json::array();
    std::vector<Work> todo;
    const std::vector<uint32_t> entropy = q.multipath ? oam::trace_entropy_labels() : std::vector<uint32_t>{};
    for (size_t i = 0; i < lsps->size(); ++i) {
      const Lsp& l = (*lsps)[i];
      nlohmann::json p;
      p["outPort"] = l.port;
      p["outLabels"] = l.labels;
      p["firstHop"] = oam::ipv4_to_string(l.next_hop);
      p["hops"] = nlohmann::json::array();
      p["complete"] = false;
      paths.push_back(p);
      std::optional<uint32_t> in;
      if (!l.labels.empty()) in = l.labels.front();
      todo.push_back({i, i, 1, in, entropy, oam::initiator_ddmap(l.next_hop, l.mtu, l.labels, entropy)});
    }
    // Depth first: each path to its end, forks (ECMP branches) after.
    while (!todo.empty() && !stop.load()) {
      Work wk = std::move(todo.back());
      todo.pop_back();
      nlohmann::json& path = paths[wk.path];
      if (wk.ttl > q.max_ttl) {
        path["end"] = fmt::format("no egress within {} hops", q.max_ttl);
        continue;
      }
      const Answer a = probe(handle, q, (*lsps)[wk.lsp], wk.ttl, wk.entropy, wk.asked);
      nlohmann::json h = reply_json(a);
      h["ttl"] = wk.ttl;
      h["inLabel"] = wk.in_label ? nlohmann::json(*wk.in_label) : nlohmann::json(nullptr);
      nlohmann::json ds = nlohmann::json::array();
      if (a.replied)
        for (const oam::Ddmap& d : a.reply.ddmaps) {
          std::vector<uint32_t> ls;
          for (const auto& l : d.labels) ls.push_back(l.label);
          ds.push_back({{"address", oam::ipv4_to_string(d.ds_address)}, {"name", name_of(d.ds_address)},
                        {"labels", ls}, {"mtu", d.mtu}});
        }
      h["downstreams"] = ds;
      path["hops"].push_back(h);
      if (!a.replied) {
        path["end"] = fmt::format("no reply at TTL {}", wk.ttl);
        continue;
      }
      if (a.reply.return_code == uint8_t(oam::ReturnCode::egress)) {
        path["complete"] = true;
        continue;
      }
      const auto next = a.reply.return_code == uint8_t(oam::ReturnCode::label_switched)
                            ? oam::next_probes(a.reply, q.multipath, ecmp_seed(oam::ipv4_to_string(a.from)))
                            : std::vector<oam::NextProbe>{};
      if (next.empty()) {
        path["end"] = fmt::format("{} answered {} ({})", who(a.from), a.reply.return_code,
                                  oam::return_text(a.reply.return_code, a.reply.return_subcode));
        continue;
      }
      const nlohmann::json snapshot = path;
      bool reused = false;
      for (const oam::NextProbe& n : next) {
        size_t target = wk.path;
        if (reused) {
          paths.push_back(snapshot);
          target = paths.size() - 1;
        }
        reused = true;
        if (n.unreached) {
          paths[target]["end"] = fmt::format("{} names a branch to {} that no entropy label of the set takes",
                                             who(a.from), who(a.reply.ddmaps[n.ddmap].ds_address));
          continue;
        }
        todo.push_back({target, wk.lsp, uint8_t(wk.ttl + 1), n.in_label, n.entropy, n.asked});
      }
    }
    nlohmann::json j;
    j["router"] = opt.router;
    j["source"] = oam::ipv4_to_string(opt.lsr_id);
    j["fec"] = q.fec_text;
    j["multipath"] = q.multipath;
    j["paths"] = paths;
    j["maxTtl"] = q.max_ttl;
    j["timeoutMs"] = q.timeout_ms;
    return q.json ? j.dump(2) + "\n" : format_oam(j);
  }

  std::string run_request(const std::string& line) {
    auto q = parse_oam_request(line);
    if (!q) return "error: " + q.error().message + "\n";
    uint32_t handle = 0;
    {
      std::lock_guard<std::mutex> lock(mu);
      handle = ++next_handle;
    }
    return q->trace ? trace(handle, *q) : ping(handle, *q);
  }
};

Result<std::unique_ptr<OamNode>> OamNode::start(FastPath& fast, const OamNodeOptions& o) {
  auto impl = std::make_unique<Impl>(fast, o);
  impl->sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(impl->sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(o.port);
  if (bind(impl->sock, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
    const std::string err = strerror(errno);
    close(impl->sock);
    return Error{fmt::format("router '{}': MPLS OAM: bind UDP {}: {}", o.router, o.port, err)};
  }
  if (auto st = fast.enable_oam(o.punt); !st) {
    close(impl->sock);
    return st.error();
  }
  Impl* i = impl.get();
  impl->thread = std::thread([i] { i->run(); });
  return std::unique_ptr<OamNode>(new OamNode(std::move(impl)));
}

OamNode::OamNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

OamNode::~OamNode() {
  impl_->stop = true;
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    impl_->cv.notify_all();
    impl_->cv.wait(lock, [this] { return impl_->initiators == 0; });
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  close(impl_->sock);
}

void OamNode::set_state(const ForwardingState& state) {
  auto s = std::make_shared<const ForwardingState>(state);
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->state = std::move(s);
  ++impl_->state_version;
}

void OamNode::set_ldp(std::map<std::string, uint32_t> neighbour_by_port,
                      std::map<uint32_t, oam::LdpPrefixFec> fec_by_label) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->inputs.neighbour_by_port == neighbour_by_port && impl_->inputs.fec_by_label == fec_by_label &&
      impl_->inputs_version)
    return;
  impl_->inputs.neighbour_by_port = std::move(neighbour_by_port);
  impl_->inputs.fec_by_label = std::move(fec_by_label);
  impl_->inputs.loopback_by_router = impl_->opt.loopback_by_router;
  ++impl_->inputs_version;
}

bool OamNode::take(int fd, const std::string& request) {
  if (request.rfind("ping ", 0) != 0 && request.rfind("traceroute ", 0) != 0) return false;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->initiators >= kMaxInitiators || impl_->stop.load()) {
      const std::string busy = fmt::format("error: {} pings/traceroutes running already, try again\n", kMaxInitiators);
      (void)!write(fd, busy.data(), busy.size());
      close(fd);
      return true;
    }
    ++impl_->initiators;
  }
  Impl* i = impl_.get();
  std::thread([i, fd, request] {
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    const std::string ans = i->run_request(request);
    for (size_t off = 0; off < ans.size();) {
      const ssize_t w = write(fd, ans.data() + off, ans.size() - off);
      if (w <= 0) break;
      off += size_t(w);
    }
    close(fd);
    std::lock_guard<std::mutex> lock(i->mu);
    --i->initiators;
    i->cv.notify_all();
  }).detach();
  return true;
}

OamNodeCounters OamNode::counters() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->counters;
}

std::string OamNode::answer(const std::string& request) const {
  const OamNodeCounters c = counters();
  const FastPath::OamCounters f = impl_->fast.oam_counters();
  const auto& p = impl_->opt.punt;
  if (request == "show oam json") {
    nlohmann::json j{{"router", impl_->opt.router},
                     {"requestsIn", c.requests_in},
                     {"repliesOut", c.replies_out},
                     {"malformed", c.malformed},
                     {"noReply", c.no_reply},
                     {"sendErrors", c.send_errors},
                     {"requestsOut", c.requests_out},
                     {"repliesIn", c.replies_in},
                     {"repliesUnmatched", c.replies_unmatched},
                     {"punted", f.punted},
                     {"sent", f.sent},
                     {"rateLimited", f.rate_limited},
                     {"queueFull", f.queue_full},
                     {"puntRatePps", p.rate_pps},
                     {"puntBurst", p.burst}};
    return j.dump(2) + "\n";
  }
  if (request == "show oam")
    return fmt::format(
        "MPLS OAM of {} (RFC 8029 LSP ping, UDP {}):\n"
        "  responder  echo requests in {}  replies out {}  malformed {}  not answered {}  send errors {}\n"
        "  initiator  requests out {}  replies in {}  replies unmatched {}\n"
        "  fast path  punted {}  rate-limited {}  queue full {}  sent {}  (punt limit {} frames/s, burst {})\n",
        impl_->opt.router, impl_->opt.port, c.requests_in, c.replies_out, c.malformed, c.no_reply, c.send_errors,
        c.requests_out, c.replies_in, c.replies_unmatched, f.punted, f.rate_limited, f.queue_full, f.sent,
        p.rate_pps, p.burst);
  if (request == "metrics") {
    std::string out;
    auto metric = [&](const char* name, const char* help, uint64_t v) {
      out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{}{{router=\"{}\"}} {}\n", name, help, name, name,
                         impl_->opt.router, v);
    };
    metric("l2vpn_oam_echo_requests_in_total", "MPLS echo requests punted to the responder", c.requests_in);
    metric("l2vpn_oam_echo_replies_out_total", "MPLS echo replies sent", c.replies_out);
    metric("l2vpn_oam_malformed_total", "punted OAM frames not readable, or malformed requests (rc 1)", c.malformed);
    metric("l2vpn_oam_rate_limited_total", "OAM frames over the punt's rate limit", f.rate_limited);
    metric("l2vpn_oam_echo_requests_out_total", "MPLS echo requests sent by ping/traceroute", c.requests_out);
    metric("l2vpn_oam_echo_replies_in_total", "MPLS echo replies to our requests", c.replies_in);
    return out;
  }
  return "";
}

}  // namespace l2vpn::node
