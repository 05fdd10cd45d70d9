#pragma once
// RFC 2544 (and RFC 5695 for MPLS forwarding devices) measurements on top of
// a trial: "send at this rate for this long (or this many frames), tell me
// what came back". The searches know nothing of DPDK, so tests run them on a
// software device model.

#include <functional>
#include <string>
#include <vector>

#include "trafficgen/analyser.hpp"

namespace l2vpn::tg {

struct TrialRequest {
  double rate_pps = 0;    // 0: as fast as the generator can (back-to-back)
  double seconds = 1;     // trial length, when frames == 0
  uint64_t frames = 0;    // a fixed burst instead of a duration
};

struct TrialResult {
  TrialRequest request;
  double offered_pps = 0;  // what the generator achieved
  AnalysisSummary analysis;
  // The generator could not keep up with request.rate_pps (its own limit,
  // not the device's): the trial says nothing about that rate.
  bool generator_limited = false;
  // Longest gap between two passes of the tester's loop while it sent: the
  // lcore lost its cpu (another process, RT throttling) for that long.
  double tester_stall_ms = 0;
  double loss_ratio() const { return analysis.loss_ratio; }
};

using TrialFn = std::function<TrialResult(const TrialRequest&)>;

struct TrialRecord {
  std::string phase;  // "ndr/pdr", "latency", "loss", "b2b"
  double rate_pps = 0;
  uint64_t frames = 0;
  double offered_pps = 0;
  uint64_t tx = 0, rx = 0, lost = 0;
  double loss_ratio = 0;
  bool ndr_pass = false, pdr_pass = false;
};
using ProgressFn = std::function<void(const TrialRecord&, const std::string& status)>;

// Throughput: the highest rate with loss ratio <= tolerance. NDR (tolerance
// 0) and PDR (pdr_tolerance, e.g. 0.005 = 0.5 %, as CSIT) are searched
// together: every trial narrows both intervals, so the PDR search costs
// only the trials the NDR interval did not already give it.
struct SearchConfig {
  double max_rate_pps = 0;       // upper bound (line rate, or the tester's ceiling)
  double min_rate_pps = 0;       // below this the search stops and reports min (or 0)
  double pdr_tolerance = 0.005;  // loss ratio allowed for the PDR
  double resolution = 0.01;      // stop when (hi - lo) <= resolution * hi
  double trial_seconds = 1;
  unsigned max_trials = 30;
  // A failing trial is run again up to this many times and the rate fails
  // only if every run fails. 0 is RFC 2544 (one trial decides); 1 stops a
  // single stall of a shared machine (another process on the DUT's cpu, RT
  // throttling) from halving the result. Reported with the results.
  unsigned fail_retries = 0;
  ProgressFn progress;
};

struct RateBound {
  double rate_pps = 0;     // highest passing rate found (0: none passed)
  TrialResult at_rate;     // the passing trial at that rate
  double upper_pps = 0;    // lowest failing rate found (0: none failed)
  // That failing rate lost nothing: the generator could not reach it, so the
  // device may be faster than rate_pps (the result is the tester's limit).
  bool upper_tester_limited = false;
};

struct SearchResult {
  RateBound ndr, pdr;
  std::vector<TrialRecord> trials;
};

SearchResult search_ndr_pdr(const TrialFn& trial, const SearchConfig& cfg);

// RFC 2544 26.3 frame loss rate: trials at 100 %, 90 %, ... of max_rate
// until two successive trials lose nothing (or `steps` trials).
struct LossStep {
  double load = 0;  // fraction of max_rate
  double rate_pps = 0, offered_pps = 0, loss_ratio = 0;
};
std::vector<LossStep> frame_loss_steps(const TrialFn& trial, double max_rate_pps, double seconds,
                                       unsigned steps, const ProgressFn& progress,
                                       std::vector<TrialRecord>* trials = nullptr);

// RFC 2544 26.4 back-to-back: the longest burst at the highest rate
// (rate_pps, 0 = unpaced) that crosses without loss, by binary search on the
// burst length in [1, max_frames]; once per repetition.
struct BackToBack {
  std::vector<uint64_t> frames;  // per repetition
  double mean() const;
};
BackToBack back_to_back(const TrialFn& trial, double rate_pps, uint64_t max_frames,
                        unsigned repetitions, const ProgressFn& progress,
                        std::vector<TrialRecord>* trials = nullptr);

TrialRecord record_of(const std::string& phase, const TrialResult& r, double pdr_tolerance);

}  // namespace l2vpn::tg
