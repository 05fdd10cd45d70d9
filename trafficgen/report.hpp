#pragma once
// What `l2vpn bench` prints and writes: the terminal table, the JSON file
// (fields in docs/throughput-testing.md) and an SVG chart of throughput and
// latency against frame size. No DPDK.

#include <string>
#include <vector>

#include "trafficgen/rfc2544.hpp"

namespace l2vpn::tg {

struct ResultRow {
  std::string mode;        // swap, imposition, ..., or "external"
  std::string size;        // "64", "imix", ...
  double mean_size = 0;    // bytes with FCS (IMIX: the cycle's mean)
  unsigned workers = 1;    // DUT lcores (--self)
  double ceiling_pps = 0;  // the search's upper bound (tester ceiling or line rate)
  std::vector<double> ndr_pps, pdr_pps;  // one per repetition
  double ndr_median = 0, pdr_median = 0;
  bool tester_bound = false;  // NDR reached the ceiling: the DUT may be faster
  double latency_rate_pps = 0;
  LatencySummary latency;     // at latency_rate_pps (the NDR), all frames
  std::vector<LossStep> loss_steps;
  std::vector<uint64_t> back_to_back;
  unsigned trials = 0;
  unsigned void_trials = 0;  // run again because an lcore lost its cpu
  // DUT counters over the whole row (--self): frames in, forwarded, dropped.
  uint64_t dut_rx = 0, dut_forwarded = 0, dut_drops = 0;
  std::string dut_drop_reasons;  // "reason count, ..."
  uint64_t reordered = 0, duplicates = 0;  // at the latency trial
};

struct BenchReport {
  std::string command;
  std::string machine;     // cores, TSC, load
  std::string memory;      // hugepages or not
  std::string lcores;      // the EAL lcore map and who runs where
  std::string devices;
  std::vector<std::string> notes;
  std::vector<std::pair<std::string, std::string>> modes;  // mode, what
  double trial_seconds = 0, resolution = 0, pdr_tolerance = 0;
  unsigned repetitions = 0, flows = 0, fail_retries = 0;
  bool testpmd_ok = false;
  double testpmd_pps = 0, testpmd_best_pps = 0;
  std::string testpmd_command, testpmd_why;
  std::vector<ResultRow> rows;
};

// The header line and one line per row (the table printed as rows finish).
std::string table_header();
std::string table_line(const ResultRow& r, const BenchReport& rep);
std::string format_report(const BenchReport& rep);
std::string report_json(const BenchReport& rep);
std::string report_svg(const BenchReport& rep);

double median(std::vector<double> v);
// Bits per second on the wire for `pps` frames of `mean_size` bytes (FCS
// included), with (l1) or without the 20 bytes of preamble and gap.
inline double bits_per_second(double pps, double mean_size, bool l1) {
  return pps * (mean_size + (l1 ? 20 : 0)) * 8;
}

}  // namespace l2vpn::tg
