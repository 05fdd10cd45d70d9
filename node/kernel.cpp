#include "node/kernel.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace l2vpn::node {

std::string KernelView::ifname(int ifindex) const {
  auto it = links.find(ifindex);
  return it == links.end() ? std::string() : it->second.name;
}

namespace {

struct Dump {
  KernelView* view;
  uint16_t type;
};

int attr_cb(const nlattr* a, void* data) {
  auto** tb = static_cast<const nlattr**>(data);
  uint16_t t = mnl_attr_get_type(a);
  if (t <= 32) tb[t] = a;  // the largest type we read is below 32
  return MNL_CB_OK;
}

uint32_t addr_of(const nlattr* a) { return ntohl(mnl_attr_get_u32(a)); }

void on_link(const nlmsghdr* nlh, KernelView& v) {
  auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  const nlattr* tb[33] = {};
  mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
  KernelLink l;
  if (tb[IFLA_IFNAME]) l.name = mnl_attr_get_str(tb[IFLA_IFNAME]);
  l.up = (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_RUNNING);
  if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
    std::memcpy(l.mac.data(), mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
  if (tb[IFLA_MTU]) l.mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
  v.links[ifi->ifi_index] = l;
}

void on_addr(const nlmsghdr* nlh, KernelView& v) {
  auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_family != AF_INET) return;
  const nlattr* tb[33] = {};
  mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
  const nlattr* a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (!a) return;
  v.addresses.push_back(KernelAddress{int(ifa->ifa_index), addr_of(a), ifa->ifa_prefixlen});
}

void on_route(const nlmsghdr* nlh, KernelView& v) {
  auto* rtm = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rtm->rtm_family != AF_INET || rtm->rtm_type != RTN_UNICAST) return;
  const nlattr* tb[33] = {};
  mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
  uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
  if (table != RT_TABLE_MAIN) return;
  KernelRoute r;
  r.prefix.length = rtm->rtm_dst_len;
  r.prefix.address = tb[RTA_DST] ? addr_of(tb[RTA_DST]) : 0;
  if (tb[RTA_MULTIPATH]) {
    const auto* base = static_cast<const uint8_t*>(mnl_attr_get_payload(tb[RTA_MULTIPATH]));
    size_t len = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]), off = 0;
    while (off + sizeof(rtnexthop) <= len) {
      auto* nh = reinterpret_cast<const rtnexthop*>(base + off);
      if (nh->rtnh_len < sizeof(rtnexthop) || off + nh->rtnh_len > len) break;
      KernelNextHop k{0, nh->rtnh_ifindex};
      size_t aoff = RTNH_LENGTH(0);
      while (aoff + sizeof(nlattr) <= nh->rtnh_len) {
        auto* a = reinterpret_cast<const nlattr*>(base + off + aoff);
        if (a->nla_len < sizeof(nlattr)) break;
        if ((a->nla_type & NLA_TYPE_MASK) == RTA_GATEWAY) k.gateway = addr_of(a);
        aoff += NLA_ALIGN(a->nla_len);
      }
      r.next_hops.push_back(k);
      off += NLA_ALIGN(nh->rtnh_len);
    }
  } else {
    KernelNextHop k;
    if (tb[RTA_GATEWAY]) k.gateway = addr_of(tb[RTA_GATEWAY]);
    if (tb[RTA_OIF]) k.ifindex = int(mnl_attr_get_u32(tb[RTA_OIF]));
    r.next_hops.push_back(k);
  }
  v.routes.push_back(std::move(r));
}

void on_neigh(const nlmsghdr* nlh, KernelView& v) {
  auto* nd = static_cast<const ndmsg*>(mnl_nlmsg_get_payload(nlh));
  if (nd->ndm_family != AF_INET) return;
  if (!(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT)))
    return;
  const nlattr* tb[33] = {};
  mnl_attr_parse(nlh, sizeof(*nd), attr_cb, tb);
  if (!tb[NDA_DST] || !tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6) return;
  KernelNeighbor n{nd->ndm_ifindex, addr_of(tb[NDA_DST]), {}};
  std::memcpy(n.mac.data(), mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
  v.neighbors.push_back(n);
}

int data_cb(const nlmsghdr* nlh, void* data) {
  auto* d = static_cast<Dump*>(data);
  switch (nlh->nlmsg_type) {
    case RTM_NEWLINK: on_link(nlh, *d->view); break;
    case RTM_NEWADDR: on_addr(nlh, *d->view); break;
    case RTM_NEWROUTE: on_route(nlh, *d->view); break;
    case RTM_NEWNEIGH: on_neigh(nlh, *d->view); break;
  }
  return MNL_CB_OK;
}

void dump(mnl_socket* nl, uint16_t type, KernelView& v) {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  uint32_t seq = uint32_t(time(nullptr)) + type;
  nlh->nlmsg_seq = seq;
  auto* g = static_cast<rtgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(rtgenmsg)));
  g->rtgen_family = type == RTM_GETLINK ? AF_UNSPEC : AF_INET;
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
    throw std::runtime_error(std::string("rtnetlink dump: ") + strerror(errno));
  uint32_t portid = mnl_socket_get_portid(nl);
  Dump d{&v, type};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
    if (n < 0) throw std::runtime_error(std::string("rtnetlink read: ") + strerror(errno));
    int rc = mnl_cb_run(buf, size_t(n), seq, portid, data_cb, &d);
    if (rc == MNL_CB_STOP) break;
    if (rc < 0) throw std::runtime_error(std::string("rtnetlink: ") + strerror(errno));
  }
}

}  // namespace

KernelView read_kernel() {
  mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
  if (!nl) throw std::runtime_error(std::string("netlink socket: ") + strerror(errno));
  KernelView v;
  try {
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
      throw std::runtime_error(std::string("netlink bind: ") + strerror(errno));
    dump(nl, RTM_GETLINK, v);
    dump(nl, RTM_GETADDR, v);
    dump(nl, RTM_GETROUTE, v);
    dump(nl, RTM_GETNEIGH, v);
  } catch (...) {
    mnl_socket_close(nl);
    throw;
  }
  mnl_socket_close(nl);
  auto by = [](const auto& a, const auto& b) { return std::tie(a.prefix) < std::tie(b.prefix); };
  std::sort(v.routes.begin(), v.routes.end(), by);
  return v;
}

KernelMonitor::KernelMonitor() {
  nl_ = mnl_socket_open(NETLINK_ROUTE);
  if (!nl_) throw std::runtime_error(std::string("netlink socket: ") + strerror(errno));
  unsigned groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_NEIGH;
  if (mnl_socket_bind(nl_, groups, MNL_SOCKET_AUTOPID) < 0)
    throw std::runtime_error(std::string("netlink bind: ") + strerror(errno));
}

KernelMonitor::~KernelMonitor() {
  if (nl_) mnl_socket_close(nl_);
}

int KernelMonitor::fd() const { return mnl_socket_get_fd(nl_); }

bool KernelMonitor::drain() {
  char buf[MNL_SOCKET_BUFFER_SIZE];
  bool any = false;
  for (;;) {
    ssize_t n = recv(fd(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) break;  // EAGAIN, or ENOBUFS (lost events: re-reading all covers it)
    any = true;
  }
  return any;
}

ldp::RoutingView routing_view(const KernelView& k, uint32_t lsr_id) {
  ldp::RoutingView v;
  v.lsr_id = lsr_id;
  for (const auto& a : k.addresses)
    if ((a.address >> 24) != 127) v.interface_addresses.push_back(a.address);
  std::sort(v.interface_addresses.begin(), v.interface_addresses.end());
  v.interface_addresses.erase(std::unique(v.interface_addresses.begin(), v.interface_addresses.end()),
                              v.interface_addresses.end());
  v.local_fecs = {ldp::Prefix{lsr_id, 32}};
  for (const auto& r : k.routes) {
    if (r.prefix.length != 32 || r.prefix.address == lsr_id) continue;
    ldp::Route out;
    out.prefix = r.prefix;
    for (const auto& nh : r.next_hops)
      if (nh.gateway) out.next_hops.push_back(nh.gateway);
    if (out.next_hops.empty()) continue;
    std::sort(out.next_hops.begin(), out.next_hops.end());
    v.routes.push_back(std::move(out));
  }
  return v;
}

}  // namespace l2vpn::node
