#include "trafficgen/frames.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "dataplane/packet.hpp"

namespace l2vpn::tg {

using dp::load_be16;
using dp::load_be32;
using dp::store_be16;
using dp::store_be32;

double SizeProfile::mean_size() const {
  double s = 0;
  for (auto v : cycle) s += v;
  return cycle.empty() ? 0 : s / double(cycle.size());
}

Result<SizeProfile> parse_size(const std::string& text) {
  if (text == "imix" || text == "IMIX")
    return SizeProfile{"imix", {64, 570, 64, 1518, 64, 570, 64, 64, 570, 64, 570, 64}};
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0')
    return Error{fmt::format("frame size '{}': not a number or 'imix'", text)};
  if (v < kMinFrameSize || v > kMaxFrameSize)
    return Error{fmt::format("frame size {}: outside {}..{}", v, kMinFrameSize, kMaxFrameSize)};
  return SizeProfile{text, {uint16_t(v)}};
}

Result<std::vector<SizeProfile>> parse_sizes(const std::string& list) {
  std::vector<SizeProfile> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = list.find(',', at);
    std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    auto s = parse_size(item);
    if (!s) return s.error();
    out.push_back(*s);
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

Status validate(const FrameSpec& s) {
  if (s.flows < 1 || s.flows > 65536)
    return Error{fmt::format("flows: {} outside 1..65536 (the stamp's flow id is 16 bits)", s.flows)};
  if (s.vlan > 4094) return Error{fmt::format("vlan: {} outside 0..4094", s.vlan)};
  size_t depth = s.labels.size() + (s.entropy_label ? 2 : 0) + (s.flow_label ? 1 : 0);
  if (s.kind == FrameKind::ethernet && !s.labels.empty())
    return Error{"labels: an ethernet frame has no label stack"};
  if (s.kind != FrameKind::ethernet && s.labels.empty())
    return Error{fmt::format("labels: a{} frame needs at least one label",
                             s.kind == FrameKind::mpls ? "n mpls" : " pseudowire")};
  if (depth > kMaxStackDepth)
    return Error{fmt::format("labels: stack depth {} (with entropy/flow labels) above {}", depth,
                             kMaxStackDepth)};
  for (size_t i = 0; i < s.labels.size(); ++i)
    if (s.labels[i] > 0xfffff)
      return Error{fmt::format("labels[{}]: {} does not fit in 20 bits", i, s.labels[i])};
  if (s.top_label_span < 1 || (!s.labels.empty() && s.labels[0] + uint64_t(s.top_label_span - 1) > 0xfffff))
    return Error{fmt::format("top label span {}: labels[0] + span - 1 above 2^20 - 1", s.top_label_span)};
  if (s.entropy_label && s.kind != FrameKind::mpls)
    return Error{"entropy label: only for mpls frames (pseudowires use the flow label)"};
  if ((s.control_word || s.flow_label) && s.kind != FrameKind::pseudowire)
    return Error{"control word / flow label: only for pseudowire frames"};
  if (s.inner_dst_mac[0] >> 4 == 0 || s.inner_dst_mac[0] >> 4 == 4 || s.inner_dst_mac[0] >> 4 == 6)
    return Error{"inner destination MAC: a first nibble of 0, 4 or 6 would be read as a control "
                 "word or an IP header after the label stack"};
  return Status::success();
}

namespace {

size_t outer_eth_len(const FrameSpec& s) { return dp::kEtherHeaderLen + (s.vlan ? dp::kVlanTagLen : 0); }

size_t stack_depth(const FrameSpec& s) {
  return s.labels.size() + (s.entropy_label ? 2 : 0) + (s.flow_label ? 1 : 0);
}

uint32_t mix(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

uint8_t* put_eth(uint8_t* p, const std::array<uint8_t, 6>& dst, const std::array<uint8_t, 6>& src,
                 uint16_t vlan, uint16_t type) {
  std::memcpy(p, dst.data(), 6);
  std::memcpy(p + 6, src.data(), 6);
  p += 12;
  if (vlan) {
    store_be16(p, dp::kEtherTypeVlan);
    store_be16(p + 2, vlan);
    p += 4;
  }
  store_be16(p, type);
  return p + 2;
}

uint8_t* put_ipv4(uint8_t* p, uint16_t total_len, uint32_t src, uint32_t dst, uint8_t ttl) {
  std::memset(p, 0, kIpv4Len);
  p[0] = 0x45;
  store_be16(p + 2, total_len);
  p[8] = ttl;
  p[9] = kIpProtoExperiment;
  store_be32(p + 12, src);
  store_be32(p + 16, dst);
  uint32_t sum = 0;
  for (size_t i = 0; i < kIpv4Len; i += 2) sum += load_be16(p + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  store_be16(p + 10, uint16_t(~sum));
  return p + kIpv4Len;
}

std::array<uint8_t, 6> plus(std::array<uint8_t, 6> mac, unsigned flow) {
  uint32_t low = uint32_t(mac[4]) << 8 | mac[5];
  uint32_t mid = mac[3];
  low += flow;
  mid += low >> 16;
  mac[3] = uint8_t(mid);
  mac[4] = uint8_t(low >> 8);
  mac[5] = uint8_t(low);
  return mac;
}

}  // namespace

uint32_t flow_label_of(unsigned flow) { return 16 + mix(flow + 1) % (0x100000 - 16); }
uint32_t entropy_label_of(unsigned flow) { return 16 + mix(flow + 0x51ed) % (0x100000 - 16); }

size_t encap_overhead(const FrameSpec& s) {
  if (s.kind != FrameKind::pseudowire) return 0;
  return outer_eth_len(s) + 4 * stack_depth(s) + (s.control_word ? dp::kControlWordLen : 0);
}

size_t header_len(const FrameSpec& s) {
  switch (s.kind) {
    case FrameKind::ethernet: return outer_eth_len(s) + kIpv4Len;
    case FrameKind::mpls: return outer_eth_len(s) + 4 * stack_depth(s) + kIpv4Len;
    case FrameKind::pseudowire: return encap_overhead(s) + dp::kEtherHeaderLen + kIpv4Len;
  }
  return 0;
}

unsigned min_size(const FrameSpec& s) {
  size_t need = header_len(s) + kStampLen - encap_overhead(s) + kFcsLen;
  return unsigned(std::max<size_t>(need, kMinFrameSize));
}

std::vector<uint8_t> build_frame(const FrameSpec& s, unsigned flow, unsigned size) {
  size = std::max(size, min_size(s));
  // Bytes in the buffer: the size without FCS, plus the PW encapsulation.
  const size_t len = size - kFcsLen + encap_overhead(s);
  std::vector<uint8_t> b(len, 0);
  uint8_t* p = b.data();
  const auto inner_src = plus(s.inner_src_mac, flow);
  const auto inner_dst = s.vary_dst_mac ? plus(s.inner_dst_mac, flow) : s.inner_dst_mac;
  if (s.kind == FrameKind::ethernet) {
    p = put_eth(p, inner_dst, inner_src, s.vlan, dp::kEtherTypeIpv4);
  } else {
    p = put_eth(p, s.dst_mac, s.src_mac, s.vlan, dp::kEtherTypeMpls);
    std::vector<uint32_t> stack;
    stack.push_back(s.labels[0] + flow % s.top_label_span);
    if (s.entropy_label) {
      stack.push_back(kEntropyLabelIndicator);
      stack.push_back(entropy_label_of(flow));
    }
    for (size_t i = 1; i < s.labels.size(); ++i) stack.push_back(s.labels[i]);
    if (s.flow_label) stack.push_back(flow_label_of(flow));
    for (size_t i = 0; i < stack.size(); ++i) {
      // RFC 6790: the entropy label indicator and label carry TTL 0.
      bool el = s.entropy_label && (i == 1 || i == 2);
      store_be32(p, dp::lse::make(stack[i], s.tc, i + 1 == stack.size(), el ? 0 : s.ttl));
      p += 4;
    }
    if (s.kind == FrameKind::pseudowire) {
      if (s.control_word) {
        store_be32(p, dp::cw::make(0, 0));
        p += 4;
      }
      p = put_eth(p, inner_dst, inner_src, 0, dp::kEtherTypeIpv4);
    }
  }
  const size_t ip_len = size_t(b.data() + len - p);
  p = put_ipv4(p, uint16_t(ip_len), s.src_ip + flow, s.dst_ip + flow, 64);
  write_stamp(p, uint16_t(flow), 0, 0);
  return b;
}

std::optional<Stamp> find_stamp(const uint8_t* p, size_t len) {
  dp::EthernetView eth;
  if (dp::parse_ethernet(p, len, eth) != dp::ParseResult::ok) return std::nullopt;
  size_t off = eth.header_len;
  uint16_t type = eth.ether_type;
  if (type == dp::kEtherTypeMpls || type == dp::kEtherTypeMplsMc) {
    dp::LabelStackView st;
    if (dp::parse_label_stack(p + off, len - off, 16, st) != dp::StackResult::ok) return std::nullopt;
    off += 4 * size_t(st.depth);
    if (off >= len) return std::nullopt;
    uint8_t nibble = p[off] >> 4;
    if (nibble == 4) {
      type = dp::kEtherTypeIpv4;
    } else {
      if (nibble == 0) off += dp::kControlWordLen;
      if (off > len || dp::parse_ethernet(p + off, len - off, eth) != dp::ParseResult::ok)
        return std::nullopt;
      off += eth.header_len;
      type = eth.ether_type;
    }
  }
  if (type != dp::kEtherTypeIpv4 || off + kIpv4Len + kStampLen > len) return std::nullopt;
  const uint8_t* ip = p + off;
  if (ip[0] != 0x45 || ip[9] != kIpProtoExperiment) return std::nullopt;
  const uint8_t* st = ip + kIpv4Len;
  if (load_be16(st) != kStampMagic) return std::nullopt;
  Stamp out;
  out.flow = load_be16(st + 2);
  out.seq = load_be32(st + 4);
  out.tsc = uint64_t(load_be32(st + 8)) << 32 | load_be32(st + 12);
  return out;
}

Status write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!f) return Error{fmt::format("{}: cannot write", path)};
  struct {
    uint32_t magic = 0xa1b2c3d4;
    uint16_t major = 2, minor = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, snaplen = 65535, linktype = 1;
  } hdr;
  std::fwrite(&hdr, sizeof hdr, 1, f.get());
  uint32_t t = 0;
  for (auto& fr : frames) {
    uint32_t rec[4] = {t++, 0, uint32_t(fr.size()), uint32_t(fr.size())};
    std::fwrite(rec, sizeof rec, 1, f.get());
    std::fwrite(fr.data(), 1, fr.size(), f.get());
  }
  if (std::ferror(f.get())) return Error{fmt::format("{}: write failed", path)};
  return Status::success();
}

}  // namespace l2vpn::tg
