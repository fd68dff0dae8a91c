// A study that survives its process: every trial goes to a journal (Optuna's format), and running the
// program again resumes it. Kill it with Ctrl-C or kill -9 half way and run it again: it goes on to
// 80 complete trials, rerunning the trial that was interrupted. Start several copies at once and
// they share the work. Optuna reads the file too:
//   optuna.load_study(study_name="branin", storage=JournalStorage(JournalFileStorage("branin.jsonl")))
#include <htune/problems/branin.hpp>
#include <htune/samplers/tpe.hpp>
#include <htune/space.hpp>
#include <htune/storage/journal.hpp>
#include <htune/tune/study.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <thread>

using namespace htune;

using space = search_space<uniform<"x", -5.0, 10.0>, uniform<"y", 0.0, 15.0>>;

int main(int argc, char** argv) {
    std::string const path = argc > 1 ? argv[1] : "branin.jsonl";
    problems::branin const branin;
    tune::study<space, samplers::tpe<>> study{{.seed = 7, .name = "branin"}, storage::open_journal(path)};
    std::cout << "journal " << path << ": " << study.count(tune::trial_state::complete) << " complete trials so far\n";

    std::uint64_t const ran = study.optimize_until(
        [&](auto const& t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20)); // stands for a real training run
            return branin(t.template get<"x">(), t.template get<"y">());
        },
        80);

    auto const& best = study.best();
    std::cout << "ran " << ran << " trials here; best of " << study.trials().size() << ": " << best.value << " at "
              << best.config << " (trial " << best.number << "); the minimum is " << branin.optimum_value() << '\n';
}
