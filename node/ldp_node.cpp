#include "node/ldp_node.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>

#include <fmt/format.h>

#include "ldp/show.hpp"
#include "node/lfib.hpp"

namespace l2vpn::node {

namespace {

ldp::Time mono_now() {
  return std::chrono::duration_cast<ldp::Time>(
      std::chrono::steady_clock::now().time_since_epoch());
}

sockaddr_in sin_of(uint32_t addr, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_addr.s_addr = htonl(addr);
  s.sin_port = htons(port);
  return s;
}

void nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A MAC List of more than this would not fit one PDU: the empty list instead.
constexpr size_t kMaxWithdrawMacs = 500;

struct Conn {
  int fd = -1;
  bool connecting = false;
  std::vector<uint8_t> out;
};

class Runtime {
 public:
  Runtime(const NodeOptions& opt, const StateHook& hook)
      : opt_(opt), hook_(hook), engine_(opt.ldp) {}

  int run(volatile std::sig_atomic_t* stop) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    open_udp();
    open_tcp_listener();
    if (!opt_.ctl_path.empty()) open_ctl();
    add(monitor_.fd(), EPOLLIN);
    refresh_kernel();
    ldp::Time last_tick{};
    while (!*stop) {
      epoll_event evs[32];
      int n = epoll_wait(ep_, evs, 32, 100);
      ldp::Time now = mono_now();
      for (int i = 0; i < n; ++i) handle(evs[i].data.fd, evs[i].events, now);
      bool ticked = false;
      if (now - last_tick >= ldp::Time(100)) {
        engine_.tick(now);
        last_tick = now;
        ticked = true;
      }
      pump(now);
      if (ticked && opt_.on_tick) opt_.on_tick(engine_, now);
    }
    engine_.shutdown(mono_now());
    pump(mono_now());
    for (auto& [peer, c] : conns_) close(c.fd);
    if (!opt_.ctl_path.empty()) unlink(opt_.ctl_path.c_str());
    return 0;
  }

 private:
  void add(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  }
  void mod(int fd, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
  }

  void open_udp() {
    udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1, zero = 0, ttl = 1;
    setsockopt(udp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    setsockopt(udp_, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
    setsockopt(udp_, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
    setsockopt(udp_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
    auto sa = sin_of(INADDR_ANY, ldp::kPort);
    if (bind(udp_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0)
      throw std::runtime_error(fmt::format("bind UDP {}: {}", ldp::kPort, strerror(errno)));
    nonblock(udp_);
    add(udp_, EPOLLIN);
  }

  void join_interfaces() {
    for (const auto& name : opt_.ldp.interfaces) {
      int idx = int(if_nametoindex(name.c_str()));
      if (!idx || joined_.count(idx)) continue;
      ip_mreqn m{};
      m.imr_multiaddr.s_addr = htonl(ldp::kAllRouters);
      m.imr_ifindex = idx;
      if (setsockopt(udp_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) == 0 || errno == EADDRINUSE)
        joined_.insert(idx);
    }
  }

  void open_tcp_listener() {
    tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    auto sa = sin_of(INADDR_ANY, ldp::kPort);
    if (bind(tcp_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0 || listen(tcp_, 16) < 0)
      throw std::runtime_error(fmt::format("listen TCP {}: {}", ldp::kPort, strerror(errno)));
    nonblock(tcp_);
    add(tcp_, EPOLLIN);
  }

  void open_ctl() {
    ctl_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un su{};
    su.sun_family = AF_UNIX;
    if (opt_.ctl_path.size() >= sizeof(su.sun_path))
      throw std::runtime_error("control socket path too long: " + opt_.ctl_path);
    std::strcpy(su.sun_path, opt_.ctl_path.c_str());
    unlink(opt_.ctl_path.c_str());
    if (bind(ctl_, reinterpret_cast<sockaddr*>(&su), sizeof(su)) < 0 || listen(ctl_, 4) < 0)
      throw std::runtime_error(fmt::format("control socket {}: {}", opt_.ctl_path, strerror(errno)));
    add(ctl_, EPOLLIN);
  }

  void refresh_kernel() {
    try {
      kernel_ = read_kernel();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", opt_.router.c_str(), e.what());
      return;
    }
    join_interfaces();
    if (opt_.on_kernel) opt_.on_kernel(kernel_);
    update_pseudowires();
    auto view = routing_view(kernel_, opt_.ldp.lsr_id);
    if (view != view_) {
      view_ = view;
      engine_.set_routing(view_, mono_now());
    }
    kernel_changed_ = true;
  }

  // The PWs with their ACs' state as the kernel sees it; an AC interface the
  // kernel does not have (the fast path owns it, or none yet) counts as up.
  void update_pseudowires() {
    std::vector<ldp::PseudowireConfig> pws;
    for (const auto& np : opt_.pseudowires) {
      auto c = np.config;
      for (const auto& [idx, link] : kernel_.links)
        if (link.name == np.ac_interface) c.ac_up = link.up;
      pws.push_back(std::move(c));
    }
    for (auto& c : vpls_pseudowire_configs(opt_.vpls)) pws.push_back(std::move(c));
    vpls_acs_changed();
    if (pws_configured_ && pws == pws_) return;
    pws_ = pws;
    pws_configured_ = true;
    engine_.set_pseudowires(std::move(pws), mono_now());
  }

  // RFC 4762 6.2: an AC of a VPLS that goes down may have had hosts behind
  // it that show up elsewhere: the other PEs flush them. The MAC withdraw
  // lists the MACs the fast path learned on that AC (flushed here too); when
  // it knows none, or more than a PDU holds, the list is empty (flush all
  // but what came from us). An AC the kernel does not show counts as up.
  void vpls_acs_changed() {
    for (const auto& v : opt_.vpls)
      for (const auto& ac : v.acs) {
        bool up = true;
        for (const auto& [idx, link] : kernel_.links)
          if (link.name == ac.port) up = link.up;
        auto [it, fresh] = vpls_ac_up_.try_emplace(v.name + "/" + ac.name, up);
        if (fresh || it->second == up) continue;
        it->second = up;
        if (up) {
          std::fprintf(stderr, "%s: VPLS %s: AC %s (%s) up\n", opt_.router.c_str(), v.name.c_str(),
                       ac.name.c_str(), ac.port.c_str());
          continue;
        }
        std::vector<MacAddr> macs;
        if (opt_.ac_macs) macs = opt_.ac_macs(v.name, ac.name);
        if (macs.size() > kMaxWithdrawMacs) macs.clear();
        if (!macs.empty() && opt_.on_mac_withdraw) opt_.on_mac_withdraw(v.name, 0, macs);
        size_t n = engine_.send_mac_withdraw(v.vsi_id, std::vector<ldp::Mac>(macs.begin(), macs.end()),
                                             mono_now());
        std::fprintf(stderr, "%s: VPLS %s: AC %s (%s) down: MAC withdraw (%s) to %zu peers\n",
                     opt_.router.c_str(), v.name.c_str(), ac.name.c_str(), ac.port.c_str(),
                     macs.empty() ? "empty list" : fmt::format("{} MACs", macs.size()).c_str(), n);
      }
  }

  // The MAC withdraws the engine received: flush the VPLS's bridge domain
  // in the fast path; one for a VSI we do not have is logged (the engine
  // counted it).
  void apply_mac_withdraws() {
    for (const auto& ev : engine_.take_mac_withdraws()) {
      const std::string peer = ldp::ip_string(ev.peer);
      auto m = ev.known ? vpls_member(opt_.vpls, vpls_first_id(), ev.peer, ev.vsi_id) : std::nullopt;
      if (!m) {
        std::fprintf(stderr, "%s: MAC withdraw from %s for VSI %u: no VPLS of that id with that peer, ignored\n",
                     opt_.router.c_str(), peer.c_str(), ev.vsi_id);
        continue;
      }
      std::vector<MacAddr> macs(ev.macs.begin(), ev.macs.end());
      unsigned n = opt_.on_mac_withdraw ? opt_.on_mac_withdraw(m->bridge_domain, m->pseudowire, macs) : 0;
      engine_.mac_withdraws().count_flushed(ev.peer, ev.vsi_id, n);
      std::fprintf(stderr, "%s: MAC withdraw from %s for VPLS %s (%s): %u MACs flushed\n",
                   opt_.router.c_str(), peer.c_str(), m->bridge_domain.c_str(),
                   macs.empty() ? "all but the sender's" : fmt::format("{} MACs", macs.size()).c_str(), n);
    }
  }

  uint32_t vpls_first_id() const { return uint32_t(opt_.pseudowires.size() + 1); }

  void handle(int fd, uint32_t events, ldp::Time now) {
    if (fd == monitor_.fd()) {
      if (monitor_.drain()) refresh_kernel();
    } else if (fd == udp_) {
      read_udp(now);
    } else if (fd == tcp_) {
      accept_tcp(now);
    } else if (fd == ctl_) {
      serve_ctl(now);
    } else {
      auto it = by_fd_.find(fd);
      if (it == by_fd_.end()) return;
      uint32_t peer = it->second;
      Conn& c = conns_[peer];
      if (c.connecting) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          drop(peer);
          engine_.on_connect_failed(peer, now);
          return;
        }
        c.connecting = false;
        mod(fd, EPOLLIN);
        engine_.on_connected(peer, now);
        return;
      }
      if (events & EPOLLOUT) write_out(peer);
      if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_tcp(peer, now);
    }
  }

  void read_udp(ldp::Time now) {
    for (;;) {
      uint8_t buf[ldp::kMaxPdu];
      char cbuf[256];
      sockaddr_in from{};
      iovec iov{buf, sizeof(buf)};
      msghdr mh{};
      mh.msg_name = &from;
      mh.msg_namelen = sizeof(from);
      mh.msg_iov = &iov;
      mh.msg_iovlen = 1;
      mh.msg_control = cbuf;
      mh.msg_controllen = sizeof(cbuf);
      ssize_t n = recvmsg(udp_, &mh, 0);
      if (n < 0) return;
      int ifindex = 0;
      uint32_t dst = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          auto* pi = reinterpret_cast<in_pktinfo*>(CMSG_DATA(c));
          ifindex = pi->ipi_ifindex;
          dst = ntohl(pi->ipi_addr.s_addr);
        }
      std::string ifname;
      if (dst == ldp::kAllRouters) {
        char name[IF_NAMESIZE] = {};
        if (!if_indextoname(unsigned(ifindex), name)) continue;
        ifname = name;
      }
      engine_.on_hello(ifname, ntohl(from.sin_addr.s_addr),
                       std::span<const uint8_t>(buf, size_t(n)), now);
    }
  }

  void accept_tcp(ldp::Time now) {
    for (;;) {
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      int fd = accept4(tcp_, reinterpret_cast<sockaddr*>(&from), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      auto peer = engine_.on_accept(ntohl(from.sin_addr.s_addr), now);
      if (!peer) {
        close(fd);
        continue;
      }
      drop(*peer);  // a connection we still held: the peer restarted
      conns_[*peer] = Conn{fd, false, {}};
      by_fd_[fd] = *peer;
      add(fd, EPOLLIN);
    }
  }

  void read_tcp(uint32_t peer, ldp::Time now) {
    int fd = conns_[peer].fd;
    for (;;) {
      uint8_t buf[16384];
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n > 0) {
        engine_.on_data(peer, std::span<const uint8_t>(buf, size_t(n)), now);
        if (!conns_.count(peer) || conns_[peer].fd != fd) return;
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      drop(peer);
      engine_.on_closed(peer, now);
      return;
    }
  }

  void write_out(uint32_t peer) {
    Conn& c = conns_[peer];
    while (!c.out.empty()) {
      ssize_t n = write(c.fd, c.out.data(), c.out.size());
      if (n <= 0) break;
      c.out.erase(c.out.begin(), c.out.begin() + n);
    }
    mod(c.fd, c.out.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
  }

  void drop(uint32_t peer) {
    auto it = conns_.find(peer);
    if (it == conns_.end()) return;
    epoll_ctl(ep_, EPOLL_CTL_DEL, it->second.fd, nullptr);
    by_fd_.erase(it->second.fd);
    close(it->second.fd);
    conns_.erase(it);
  }

  void send_hello(const ldp::Action& a) {
    sockaddr_in dst = sin_of(a.address, ldp::kPort);
    if (!a.interface.empty()) {
      ip_mreqn m{};
      m.imr_ifindex = int(if_nametoindex(a.interface.c_str()));
      if (!m.imr_ifindex) return;
      setsockopt(udp_, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m));
      sendto(udp_, a.bytes.data(), a.bytes.size(), 0, reinterpret_cast<sockaddr*>(&dst), sizeof(dst));
      return;
    }
    // Targeted: from our transport address (the LSR id), as the peer checks
    // the hello's source against its targeted neighbors (a PE two hops away
    // would otherwise see our outgoing interface's address).
    iovec iov{const_cast<uint8_t*>(a.bytes.data()), a.bytes.size()};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(in_pktinfo))] = {};
    msghdr mh{};
    mh.msg_name = &dst;
    mh.msg_namelen = sizeof(dst);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof(cbuf);
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
    in_pktinfo pi{};
    pi.ipi_spec_dst.s_addr = htonl(opt_.ldp.lsr_id);
    std::memcpy(CMSG_DATA(c), &pi, sizeof(pi));
    sendmsg(udp_, &mh, 0);
  }

  void connect_to(const ldp::Action& a, ldp::Time now) {
    drop(a.peer);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    // Our transport address is the LSR id: the peer matches the source
    // address of the connection against the adjacency's transport address.
    auto local = sin_of(opt_.ldp.lsr_id, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    auto sa = sin_of(a.address, ldp::kPort);
    int rc = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
    if (rc < 0 && errno != EINPROGRESS) {
      close(fd);
      engine_.on_connect_failed(a.peer, now);
      return;
    }
    conns_[a.peer] = Conn{fd, true, {}};
    by_fd_[fd] = a.peer;
    add(fd, EPOLLOUT);
  }

  void pump(ldp::Time now) {
    for (int round = 0; round < 64 && engine_.has_actions(); ++round) {
      for (auto& a : engine_.take_actions()) {
        switch (a.kind) {
          case ldp::Action::Kind::SendHello:
            send_hello(a);
            break;
          case ldp::Action::Kind::Connect:
            connect_to(a, now);
            break;
          case ldp::Action::Kind::Send: {
            auto it = conns_.find(a.peer);
            if (it == conns_.end() || it->second.connecting) break;
            it->second.out.insert(it->second.out.end(), a.bytes.begin(), a.bytes.end());
            write_out(a.peer);
            break;
          }
          case ldp::Action::Kind::Close:
            drop(a.peer);
            break;
        }
      }
    }
    if (engine_.pseudowires().version() != seen_pw_version_) {  // PW up/down: always logged
      seen_pw_version_ = engine_.pseudowires().version();
      for (const auto& pw : engine_.pseudowires().states()) {
        std::string line = fmt::format("PW {} to {} ({}): {}{}", pw.config.pw_id,
                                       ldp::ip_string(pw.config.lsr_id), pw.config.name,
                                       pw.up ? "UP" : "DOWN",
                                       pw.up ? "" : std::string(", ") + ldp::pw_reason_name(pw.reason));
        auto& last = pw_logged_[{pw.config.lsr_id, pw.config.pw_id}];
        if (line != last) std::fprintf(stderr, "%s: %s\n", opt_.router.c_str(), line.c_str());
        last = line;
      }
    }
    if (engine_.bindings_version() != seen_version_ || kernel_changed_ ||
        engine_.pseudowires().version() != built_pw_version_) {
      built_pw_version_ = engine_.pseudowires().version();
      if (opt_.verbose && engine_.bindings_version() != seen_version_)
        std::fprintf(stderr, "%s: bindings v%llu: %zu FECs, %zu peers\n", opt_.router.c_str(),
                     (unsigned long long)engine_.bindings_version(),
                     engine_.bindings().fecs.size(), engine_.bindings().peers.size());
      seen_version_ = engine_.bindings_version();
      kernel_changed_ = false;
      auto st = build_state(opt_.router, opt_.ldp.lsr_id, kernel_, engine_.bindings(),
                            opt_.ldp.interfaces);
      add_pseudowires(st, opt_.pseudowires, engine_.pseudowires().states(), kernel_);
      add_vpls(st, opt_.vpls, engine_.pseudowires().states(), kernel_, vpls_first_id());
      if (!(st == state_)) {
        state_ = std::move(st);
        ++status_.state_version;
        status_.state_changed = now;
        if (opt_.verbose)
          std::fprintf(stderr, "%s: state v%llu: %zu FTN, %zu ILM, %zu PW\n", opt_.router.c_str(),
                       (unsigned long long)status_.state_version, state_.ftn.size(), state_.ilm.size(),
                       state_.pseudowires.size());
        if (hook_) hook_(state_);
      }
    }
    apply_mac_withdraws();
  }

  void serve_ctl(ldp::Time now) {
    int fd = accept4(ctl_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval tv{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[512];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n > 0) {
      std::string req(buf, size_t(n));
      while (!req.empty() && (req.back() == '\n' || req.back() == '\r')) req.pop_back();
      if (opt_.ctl_take && opt_.ctl_take(fd, req)) return;
      status_.state = &state_;
      std::string ans = control_answer(engine_, opt_.router, req, now, status_);
      if (opt_.ctl_extra) {
        if (ans.rfind("error:", 0) == 0) {
          if (std::string x = opt_.ctl_extra(req); !x.empty()) ans = std::move(x);
        } else if (req == "metrics") {
          ans += opt_.ctl_extra(req);  // the fast path's metrics after LDP's
        }
      }
      for (size_t off = 0; off < ans.size();) {
        ssize_t w = write(fd, ans.data() + off, ans.size() - off);
        if (w <= 0) break;
        off += size_t(w);
      }
    }
    close(fd);
  }

  const NodeOptions& opt_;
  const StateHook& hook_;
  ForwardingState state_;
  NodeStatus status_;
  ldp::Engine engine_;
  KernelMonitor monitor_;
  KernelView kernel_;
  ldp::RoutingView view_;
  bool kernel_changed_ = false;
  std::vector<ldp::PseudowireConfig> pws_;
  bool pws_configured_ = false;
  uint64_t seen_pw_version_ = 0;
  uint64_t built_pw_version_ = 0;
  std::map<std::pair<uint32_t, uint32_t>, std::string> pw_logged_;
  std::map<std::string, bool> vpls_ac_up_;  // "vpls/site" -> the AC's link as last seen
  uint64_t seen_version_ = 0;
  int ep_ = -1, udp_ = -1, tcp_ = -1, ctl_ = -1;
  std::set<int> joined_;
  std::map<uint32_t, Conn> conns_;
  std::map<int, uint32_t> by_fd_;
};

std::string prometheus(const ldp::Engine& e, const std::string& router) {
  auto j = ldp::counters_json(e);
  std::string out;
  auto metric = [&](const char* name, const char* help, const char* type, uint64_t v) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}{{router=\"{}\"}} {}\n", name, help, name,
                       type, name, router, v);
  };
  metric("l2vpn_ldp_sessions_operational", "LDP sessions in state OPERATIONAL", "gauge",
         j["sessionsOperational"].get<uint64_t>());
  metric("l2vpn_ldp_adjacencies", "LDP hello adjacencies", "gauge", j["adjacencies"].get<uint64_t>());
  metric("l2vpn_ldp_fecs", "FECs in the LDP bindings", "gauge", j["fecs"].get<uint64_t>());
  metric("l2vpn_ldp_sessions_up_total", "sessions that reached OPERATIONAL", "counter",
         j["sessionsUp"].get<uint64_t>());
  metric("l2vpn_ldp_sessions_down_total", "OPERATIONAL sessions that ended", "counter",
         j["sessionsDown"].get<uint64_t>());
  metric("l2vpn_ldp_pdus_in_total", "LDP PDUs received on sessions", "counter", j["pdusIn"].get<uint64_t>());
  metric("l2vpn_ldp_pdus_out_total", "LDP PDUs sent on sessions", "counter", j["pdusOut"].get<uint64_t>());
  metric("l2vpn_ldp_bad_pdus_total", "malformed PDUs and messages received", "counter",
         j["badPdus"].get<uint64_t>());
  metric("l2vpn_ldp_mappings_in_total", "label mappings received", "counter", j["mappingsIn"].get<uint64_t>());
  metric("l2vpn_ldp_mappings_out_total", "label mappings sent", "counter", j["mappingsOut"].get<uint64_t>());
  metric("l2vpn_ldp_notifications_out_total", "notifications sent", "counter",
         j["notificationsOut"].get<uint64_t>());
  // Pseudowires (FEC 128): one gauge per PW, its labels, then the signalling counters.
  const auto pws = e.pseudowires().states();
  out += "# HELP l2vpn_pw_up pseudowire signalled up (1) or down (0, reason in the label)\n"
         "# TYPE l2vpn_pw_up gauge\n";
  for (const auto& pw : pws)
    out += fmt::format("l2vpn_pw_up{{router=\"{}\",peer=\"{}\",pw_id=\"{}\",name=\"{}\",reason=\"{}\"}} {}\n",
                       router, ldp::ip_string(pw.config.lsr_id), pw.config.pw_id, pw.config.name,
                       ldp::pw_reason_name(pw.reason), pw.up ? 1 : 0);
  out += "# HELP l2vpn_pw_remote_status PW status bits the peer signals (RFC 4447 5.4.3)\n"
         "# TYPE l2vpn_pw_remote_status gauge\n";
  for (const auto& pw : pws)
    out += fmt::format("l2vpn_pw_remote_status{{router=\"{}\",peer=\"{}\",pw_id=\"{}\"}} {}\n",
                       router, ldp::ip_string(pw.config.lsr_id), pw.config.pw_id, pw.remote_status);
  size_t up = size_t(std::count_if(pws.begin(), pws.end(), [](const auto& p) { return p.up; }));
  metric("l2vpn_pw_configured", "pseudowires configured", "gauge", pws.size());
  metric("l2vpn_pw_up_count", "pseudowires up", "gauge", up);
  const auto& k = e.pseudowires().counters();
  metric("l2vpn_pw_mappings_in_total", "PW label mappings received", "counter", k.mappings_in);
  metric("l2vpn_pw_mappings_out_total", "PW label mappings sent", "counter", k.mappings_out);
  metric("l2vpn_pw_withdraws_in_total", "PW label withdraws received", "counter", k.withdraws_in);
  metric("l2vpn_pw_withdraws_out_total", "PW label withdraws sent", "counter", k.withdraws_out);
  metric("l2vpn_pw_status_in_total", "PW status notifications received", "counter", k.status_in);
  metric("l2vpn_pw_status_out_total", "PW status notifications sent", "counter", k.status_out);
  metric("l2vpn_pw_unknown_mappings_total", "PW mappings for PWs we do not have (kept)", "counter",
         k.unknown_mappings);
  metric("l2vpn_pw_unknown_status_total", "PW status for PWs we do not have (dropped)", "counter",
         k.unknown_status);
  const auto& w = e.mac_withdraws().counters();
  metric("l2vpn_vpls_mac_withdraw_in_total", "VPLS MAC withdraws received (RFC 4762 6.2)", "counter", w.in);
  metric("l2vpn_vpls_mac_withdraw_out_total", "VPLS MAC withdraws sent", "counter", w.out);
  metric("l2vpn_vpls_mac_withdraw_unknown_total", "MAC withdraws for a VSI we do not have (ignored)",
         "counter", w.unknown_vsi);
  metric("l2vpn_vpls_macs_flushed_total", "MACs flushed on received MAC withdraws", "counter", w.flushed);
  return out;
}

}  // namespace

std::string control_answer(const ldp::Engine& e, const std::string& router,
                           const std::string& request, ldp::Time now, const NodeStatus& status) {
  bool json = request.size() >= 5 && request.compare(request.size() - 5, 5, " json") == 0;
  std::string what = json ? request.substr(0, request.size() - 5) : request;
  if (what == "show ldp neighbor")
    return json ? ldp::neighbor_json(e, now).dump(2) + "\n" : ldp::show_neighbor(e, now);
  if (what == "show ldp discovery")
    return json ? ldp::discovery_json(e, now).dump(2) + "\n" : ldp::show_discovery(e, now);
  if (what == "show ldp binding")
    return json ? ldp::binding_json(e).dump(2) + "\n" : ldp::show_binding(e);
  if (what == "show ldp counters") return ldp::counters_json(e).dump(2) + "\n";
  if (what == "show l2vpn")
    return json ? ldp::l2vpn_json(e).dump(2) + "\n" : ldp::show_l2vpn(e);
  if (what == "metrics") return prometheus(e, router);
  if (what == "show state" && status.state) {
    auto j = nlohmann::json::parse(to_json(*status.state));
    j["version"] = status.state_version;
    j["changedMs"] = status.state_changed.count();
    j["nowMs"] = now.count();
    return j.dump(2) + "\n";
  }
  return fmt::format("error: unknown request '{}' (show ldp neighbor|discovery|binding|counters "
                     "[json], show l2vpn [json], show state json, show dataplane [json], show oam [json], ping|traceroute mpls ldp PREFIX/LEN, metrics)\n", request);
}

std::string control_request(const std::string& path, const std::string& request) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un su{};
  su.sun_family = AF_UNIX;
  if (path.size() >= sizeof(su.sun_path)) throw std::runtime_error("socket path too long: " + path);
  std::strcpy(su.sun_path, path.c_str());
  if (connect(fd, reinterpret_cast<sockaddr*>(&su), sizeof(su)) < 0) {
    std::string err = strerror(errno);
    close(fd);
    throw std::runtime_error(fmt::format("cannot reach node at {}: {}", path, err));
  }
  std::string req = request + "\n";
  if (write(fd, req.data(), req.size()) < 0) {
    close(fd);
    throw std::runtime_error("write to " + path + " failed");
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, size_t(n));
  close(fd);
  return out;
}

int run_node(const NodeOptions& opt, volatile std::sig_atomic_t* stop, const StateHook& hook) {
  Runtime rt(opt, hook);
  return rt.run(stop);
}

}  // namespace l2vpn::node
