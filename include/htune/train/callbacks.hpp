#pragma once
// Training hooks. A callback is any type with `using htune_role = htune::role::callback;` and any of
//   bool on_batch_end(batch_info const&)   (return true to stop training)
//   bool on_epoch_end(epoch_info const&)
// (void returns are fine too). Start from an empty class and add what you need: the trainer
// finds the members at compile time, so an absent hook costs nothing.

#include <cmath>
#include <cstddef>
#include <iomanip>
#include <iostream>
#include <limits>
#include <memory>
#include <ostream>
#include <type_traits>

#include "../core/errors.hpp"
#include "../core/roles.hpp"

namespace htune::train {

struct batch_info {
    std::size_t epoch = 0; // 0-based
    std::size_t batch = 0; // 0-based within the epoch
    std::size_t batches = 0;
    double loss = 0; // data loss of this batch
};

struct epoch_info {
    std::size_t epoch = 0; // 0-based
    std::size_t epochs = 0;
    double train_loss = 0;                                              // mean data loss over the epoch's batches
    double penalty = 0;                                                 // regularizers' penalty at the end of the epoch
    double validation_loss = std::numeric_limits<double>::quiet_NaN();  // NaN without validation data
    double validation_score = std::numeric_limits<double>::quiet_NaN(); // the trainer's metric
    double learning_rate = 0;                                           // the rate used in the epoch's last step
    double seconds = 0; // wall time of the epoch's training (not validation)
    double samples_per_second = 0;
    bool has_validation() const noexcept { return !std::isnan(validation_score); }
};

// An observer of one fit's epochs, given to fit() rather than to the trainer's type (a tuner
// reports each epoch to its pruner this way): one indirect call per epoch, never per batch. It
// refers to a callable taking epoch_info const& (returning void, or bool: true stops training),
// which must outlive the fit.
class epoch_observer {
public:
    epoch_observer() = default;
    template <class F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, epoch_observer> && std::is_invocable_v<F&, epoch_info const&>)
    epoch_observer(F& f) noexcept // NOLINT(google-explicit-constructor): a view, like std::function_ref
        : m_self(static_cast<void*>(std::addressof(f))), m_call([](void* self, epoch_info const& e) -> bool {
              auto& call = *static_cast<F*>(self);
              if constexpr (std::is_same_v<std::invoke_result_t<F&, epoch_info const&>, bool>) return call(e);
              else {
                  call(e);
                  return false;
              }
          }) {}

    explicit operator bool() const noexcept { return m_call != nullptr; }
    // True: stop training after this epoch.
    bool operator()(epoch_info const& e) const { return m_call != nullptr && m_call(m_self, e); }

private:
    void* m_self = nullptr;
    bool (*m_call)(void*, epoch_info const&) = nullptr;
};

// Prints one line per epoch.
struct print_progress {
    using htune_role = role::callback;
    std::ostream* out = &std::cout;

    bool on_epoch_end(epoch_info const& e) const {
        auto& os = *out;
        auto const flags = os.flags();
        auto const precision = os.precision();
        os << "epoch " << std::setw(3) << e.epoch + 1 << '/' << e.epochs << "  loss " << std::fixed
           << std::setprecision(4) << e.train_loss;
        if (e.has_validation()) os << "  val_loss " << e.validation_loss << "  val_score " << e.validation_score;
        os << "  " << std::setprecision(2) << e.seconds << " s  " << std::setprecision(0) << e.samples_per_second
           << " samples/s\n";
        os.flags(flags);
        os.precision(precision);
        return false;
    }
};

// Stops when the validation score (or the training loss, without validation data) has not
// improved by more than min_delta for `patience` epochs. The trainer restores the best weights
// seen when restore_best is set.
template <std::size_t Patience = 5>
struct early_stopping {
    using htune_role = role::callback;
    std::size_t patience = Patience;
    double min_delta = 0.0;
    bool restore_best = true;

    // Filled in by the trainer before training: whether a higher score is better.
    bool higher_is_better = true;

    double best = std::numeric_limits<double>::quiet_NaN();
    std::size_t best_epoch = 0;
    std::size_t waited = 0;

    void reset(bool higher) {
        HTUNE_CHECK(patience > 0, "htune::train::early_stopping: patience must be > 0");
        HTUNE_CHECK(min_delta >= 0, "htune::train::early_stopping: min_delta (", min_delta, ") must be >= 0");
        higher_is_better = higher;
        best = std::numeric_limits<double>::quiet_NaN();
        best_epoch = 0;
        waited = 0;
    }

    // True when `e` is the best epoch so far (the trainer then keeps a copy of the weights).
    bool improved(epoch_info const& e) const {
        double const v = monitored(e);
        if (std::isnan(v)) return false;
        if (std::isnan(best)) return true;
        // The validation score goes the metric's way; the training loss always down.
        bool const up = e.has_validation() && higher_is_better;
        return up ? v > best + min_delta : v < best - min_delta;
    }

    bool on_epoch_end(epoch_info const& e) {
        if (improved(e)) {
            best = monitored(e);
            best_epoch = e.epoch;
            waited = 0;
            return false;
        }
        return ++waited >= patience;
    }

private:
    static double monitored(epoch_info const& e) { return e.has_validation() ? e.validation_score : e.train_loss; }
};

} // namespace htune::train
