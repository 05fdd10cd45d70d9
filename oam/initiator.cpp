#include "oam/initiator.hpp"

#include "contract/ecmp_hash.hpp"
#include "contract/forwarding_state.hpp"
#include "oam/responder.hpp"

namespace l2vpn::oam {

namespace {
uint32_t lse(uint32_t label, bool bos, uint8_t ttl) {
  return (label & 0xfffff) << 12 | uint32_t(bos) << 8 | ttl;
}
}  // namespace

std::vector<uint32_t> trace_entropy_labels() {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < kTraceEntropyCount; ++i) out.push_back(kTraceEntropyBase + i);
  return out;
}

std::vector<uint32_t> request_stack(const std::vector<uint32_t>& labels, uint8_t ttl,
                                    const std::vector<uint32_t>& entropy) {
  std::vector<uint32_t> out;
  for (uint32_t l : labels) out.push_back(lse(l, false, ttl));
  if (!entropy.empty()) {
    out.push_back(lse(kLabelEntropyIndicator, false, ttl));
    out.push_back(lse(entropy.front(), false, 0));
  }
  if (!out.empty()) out.back() |= 1u << 8;
  return out;
}

Ddmap initiator_ddmap(uint32_t next_hop, uint16_t mtu, const std::vector<uint32_t>& labels,
                      const std::vector<uint32_t>& entropy) {
  Ddmap d;
  d.ds_address = next_hop;
  d.mtu = mtu;
  for (uint32_t l : labels) d.labels.push_back(DsLabel{l, 0, false, protocol::ldp});
  if (d.labels.empty()) d.labels.push_back(DsLabel{kLabelImplicitNull, 0, false, protocol::ldp});
  d.labels.back().bos = true;
  if (!entropy.empty()) d.multipath = Multipath::label_set(entropy);
  return d;
}

std::string return_text(uint8_t code, uint8_t subcode) {
  std::string t(return_code_text(code));
  if (auto rsc = t.find("<RSC>"); rsc != std::string::npos) t.replace(rsc, 5, std::to_string(subcode));
  return t;
}

std::vector<NextProbe> next_probes(const EchoPacket& reply, bool multipath, uint32_t responder_seed) {
  std::vector<NextProbe> out;
  if (reply.ddmaps.empty()) return out;
  std::vector<size_t> branches;
  if (multipath) {
    for (size_t k = 0; k < reply.ddmaps.size(); ++k) branches.push_back(k);
  } else {
    branches.push_back(ecmp_mix(TableView::ecmp_hash({}), responder_seed) % reply.ddmaps.size());
  }
  for (size_t k : branches) {
    const Ddmap& d = reply.ddmaps[k];
    NextProbe p;
    p.ddmap = k;
    if (!d.labels.empty() && d.labels.front().label != kLabelImplicitNull) p.in_label = d.labels.front().label;
    if (multipath) {
      if (d.multipath) p.entropy = d.multipath->labels();
      p.unreached = p.entropy.empty();
    }
    p.asked = d;
    p.asked.return_code = 0;
    p.asked.return_subcode = 0;
    out.push_back(std::move(p));
  }
  return out;
}

void ntp_time(uint64_t unix_ns, uint32_t& seconds, uint32_t& fraction) {
  constexpr uint64_t kNtpUnixOffset = 2208988800ull;  // 1900 -> 1970
  seconds = uint32_t(unix_ns / 1'000'000'000ull + kNtpUnixOffset);
  fraction = uint32_t(((unix_ns % 1'000'000'000ull) << 32) / 1'000'000'000ull);
}

}  // namespace l2vpn::oam
