#pragma once
// Test frames for throughput testing: plain Ethernet, MPLS with a label
// stack of any depth up to 8, and Ethernet-over-MPLS pseudowire frames
// (RFC 4448) with or without control word (RFC 4385) and flow label
// (RFC 6391). No DPDK here: the builders fill byte vectors, which the
// generator copies into mbufs and the tests write to pcap files.
//
// Every frame carries a stamp (docs/throughput-testing.md, "Frame format"):
// the innermost header chain ends with an IPv4 header (20 bytes, protocol
// 253 "experimentation", RFC 3692) and the 16-byte stamp follows it at once:
//   offset 0  u16 magic 0x5447 ("TG")
//   offset 2  u16 flow id
//   offset 4  u32 sequence number, per flow, from 0
//   offset 8  u64 TX timestamp (TSC of the generator lcore)
// all in network byte order. The rest of the frame up to its size is zero.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "contract/result.hpp"

namespace l2vpn::tg {

inline constexpr uint16_t kStampMagic = 0x5447;
inline constexpr size_t kStampLen = 16;
inline constexpr size_t kIpv4Len = 20;
inline constexpr uint8_t kIpProtoExperiment = 253;
inline constexpr unsigned kMaxStackDepth = 8;
inline constexpr unsigned kMinFrameSize = 64;
inline constexpr unsigned kMaxFrameSize = 9000;
inline constexpr size_t kFcsLen = 4;  // sizes count the FCS, as in RFC 2544; mbufs hold size - 4
inline constexpr uint32_t kEntropyLabelIndicator = 7;  // RFC 6790

enum class FrameKind : uint8_t {
  ethernet,    // Ethernet / IPv4 / stamp
  mpls,        // Ethernet / label stack / IPv4 / stamp
  pseudowire,  // Ethernet / label stack (transport..., PW [, flow]) [/ CW] / Ethernet / IPv4 / stamp
};

// What to send. Flows differ in their customer MACs and IPv4 addresses, in
// the top label (when top_label_span > 1), in the flow label and in the
// entropy label, so that RSS and ECMP (which hash labels below the top)
// spread them.
struct FrameSpec {
  FrameKind kind = FrameKind::ethernet;
  std::array<uint8_t, 6> dst_mac{0x02, 0, 0, 0, 0, 0x01};
  std::array<uint8_t, 6> src_mac{0x02, 0, 0, 0, 0, 0x02};
  uint16_t vlan = 0;                // outer 802.1Q VID, 0: untagged
  std::vector<uint32_t> labels;     // mpls: the whole stack; pseudowire: transport labels then the PW label
  uint32_t top_label_span = 1;      // flow f uses labels[0] + f % span
  bool entropy_label = false;       // mpls: ELI + entropy label (per flow) below the first label
  bool control_word = false;        // pseudowire
  bool flow_label = false;          // pseudowire: flow label (per flow) below the PW label
  uint8_t ttl = 64;
  uint8_t tc = 0;
  // Customer frame (ethernet kind: the frame itself; pseudowire: the frame inside).
  std::array<uint8_t, 6> inner_dst_mac{0x5a, 0, 0, 0, 0, 0x01};  // first nibble 5: never taken for a CW or IPv4
  std::array<uint8_t, 6> inner_src_mac{0x5a, 0, 0, 0, 1, 0x00};  // low 16 bits + flow
  bool vary_dst_mac = false;        // also add the flow to the customer destination MAC
  uint32_t src_ip = 0x0a000000;     // + flow
  uint32_t dst_ip = 0x0a800000;     // + flow
  unsigned flows = 1;               // 1..65536
};

// Frame sizes: one size, or IMIX 7:4:1 of 64/570/1518 (the 12-frame cycle
// 64 570 64 1518 64 570 64 64 570 64 570 64: the classic simple IMIX).
struct SizeProfile {
  std::string name;           // "64", "1518", "imix"
  std::vector<uint16_t> cycle;  // sizes in send order, repeated
  double mean_size() const;
};
// "64".."9000", "imix"; the error says what is wrong.
Result<SizeProfile> parse_size(const std::string& text);
Result<std::vector<SizeProfile>> parse_sizes(const std::string& comma_list);

// Checks the spec (stack depth, label range, flows) and names the field.
Status validate(const FrameSpec& spec);

// Bytes before the stamp for this spec (headers up to and including IPv4).
size_t header_len(const FrameSpec& spec);
// Smallest size (with FCS) a frame of this spec can have.
unsigned min_size(const FrameSpec& spec);
// For pseudowire kind sizes count the customer frame (what crosses the AC),
// so the labelled frame is this many bytes longer.
size_t encap_overhead(const FrameSpec& spec);

// The frame of `flow` at `size` (FCS counted, not included), stamp with
// sequence 0 and timestamp 0. Sizes below min_size are raised to it.
std::vector<uint8_t> build_frame(const FrameSpec& spec, unsigned flow, unsigned size);
// Offset of the stamp in frames built from `spec`.
inline size_t stamp_offset(const FrameSpec& spec) { return header_len(spec); }

inline void write_stamp(uint8_t* stamp, uint16_t flow, uint32_t seq, uint64_t tsc) {
  stamp[0] = uint8_t(kStampMagic >> 8);
  stamp[1] = uint8_t(kStampMagic);
  stamp[2] = uint8_t(flow >> 8);
  stamp[3] = uint8_t(flow);
  for (int i = 0; i < 4; ++i) stamp[4 + i] = uint8_t(seq >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) stamp[8 + i] = uint8_t(tsc >> (56 - 8 * i));
}

struct Stamp {
  uint16_t flow = 0;
  uint32_t seq = 0;
  uint64_t tsc = 0;
};

// Finds the stamp in any frame this module builds, and in what a DUT makes
// of it (labels swapped, pushed or popped, control word, VLAN tags): parses
// Ethernet (up to 2 tags), walks a label stack to S=1, then takes first
// nibble 4 as IPv4, 0 as a control word before an Ethernet frame, anything
// else as an Ethernet frame; checks IPv4 protocol 253 and the magic.
std::optional<Stamp> find_stamp(const uint8_t* p, size_t len);

// The per-flow numbers the generator varies, so tests can predict them.
uint32_t flow_label_of(unsigned flow);  // 16 + hash: never reserved
uint32_t entropy_label_of(unsigned flow);

// Writes frames to a classic pcap file (LINKTYPE_ETHERNET).
Status write_pcap(const std::string& path, const std::vector<std::vector<uint8_t>>& frames);

}  // namespace l2vpn::tg
