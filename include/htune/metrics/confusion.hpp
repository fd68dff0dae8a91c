#pragma once
// The confusion matrix of a single-label classifier, and the per-class scores read from it.
//
// Layout: count(truth, predicted), rows are true classes and columns predicted ones (as scikit-learn).
// The constructors take what the model said first and the truth second, like a metric's (out, y).
//
// Zero division (scikit-learn's zero_division=0): a class never predicted has precision 0, a class
// with no true sample has recall 0, and F1 is 0 when the class has no true positive.
// Macro averages are unweighted means over the classes that occur among the true or the predicted
// labels, as scikit-learn does when it is given no label list: a class absent from both says nothing
// about the model, and counting it as 0 would punish a validation fold for missing a rare class.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <span>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <vector>

#include "../core/errors.hpp"
#include "../core/tensor.hpp"

namespace htune::metrics {

// Index of the largest of n scores, the first one on ties (as numpy.argmax). NaN scores are
// skipped so that they never win a comparison by accident; a row of only NaN gives 0.
template <class T>
std::size_t argmax(T const* row, std::size_t n) noexcept {
    std::size_t best = 0;
    while (best < n && std::isnan(row[best])) ++best;
    if (best == n) return 0;
    for (std::size_t j = best + 1; j < n; ++j)
        if (row[j] > row[best]) best = j;
    return best;
}

namespace detail {

inline double ratio(std::size_t num, std::size_t den) noexcept {
    return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// The per-class scores from true positives, predictions (column sum) and support (row sum).
// F1 as 2 tp / (predicted + support) equals 2PR / (P + R) and needs no special case when P = R = 0.
inline double precision_score(std::size_t tp, std::size_t predicted, std::size_t) noexcept {
    return ratio(tp, predicted);
}
inline double recall_score(std::size_t tp, std::size_t, std::size_t support) noexcept {
    return ratio(tp, support);
}
inline double f1_score(std::size_t tp, std::size_t predicted, std::size_t support) noexcept {
    return ratio(2 * tp, predicted + support);
}

// What precision, recall and F1 need: 3 numbers per class rather than the whole k x k matrix.
struct class_totals {
    std::vector<std::size_t> true_positives, predicted, support;

    class_totals() = default;
    explicit class_totals(std::size_t classes) : true_positives(classes), predicted(classes), support(classes) {}

    void add(std::size_t truth, std::size_t guess) noexcept {
        true_positives[truth] += truth == guess;
        ++predicted[guess];
        ++support[truth];
    }

    friend bool operator==(class_totals const&, class_totals const&) = default;
};

// Unweighted mean of score(tp, predicted, support) over the classes that occur.
template <class Score>
double macro_mean(class_totals const& t, Score score) {
    double sum = 0.0;
    std::size_t present = 0;
    for (std::size_t c = 0; c < t.support.size(); ++c) {
        if (t.predicted[c] + t.support[c] == 0) continue;
        sum += score(t.true_positives[c], t.predicted[c], t.support[c]);
        ++present;
    }
    return present == 0 ? 0.0 : sum / static_cast<double>(present);
}

// A label as a class index; data_error naming the sample when it is not in [0, classes).
inline std::size_t checked_label(std::string_view who, std::string_view what, std::int32_t label, std::size_t sample,
                                 std::size_t classes) {
    HTUNE_CHECK_AS(::htune::data_error, label >= 0 && static_cast<std::size_t>(label) < classes, who, ": ", what, " ",
                   label, " of sample ", sample, " is out of range [0, ", classes, ")");
    return static_cast<std::size_t>(label);
}

} // namespace detail

class confusion_matrix {
public:
    confusion_matrix() = default;

    // An empty matrix to fill with add() or +=, e.g. across batches or folds.
    explicit confusion_matrix(std::size_t classes)
        : m_classes(classes), m_counts(classes * classes), m_totals(classes) {
        HTUNE_CHECK(classes > 0, "htune::metrics::confusion_matrix: classes must be > 0");
    }

    // From predicted and true labels, both in [0, classes).
    confusion_matrix(std::span<std::int32_t const> predicted, std::span<std::int32_t const> truth, std::size_t classes)
        : confusion_matrix(classes) {
        HTUNE_CHECK_AS(::htune::shape_error, predicted.size() == truth.size(),
                       "htune::metrics::confusion_matrix: ", predicted.size(), " predicted labels but ", truth.size(),
                       " true labels");
        for (std::size_t i = 0; i < truth.size(); ++i) {
            auto const t = detail::checked_label(who, "true label", truth[i], i, classes);
            auto const p = detail::checked_label(who, "predicted label", predicted[i], i, classes);
            add_unchecked(t, p);
        }
    }

    // From class scores (one row per sample, one column per class; probabilities or logits):
    // the prediction is the argmax of the row.
    template <class T>
        requires std::is_floating_point_v<std::remove_const_t<T>>
    confusion_matrix(batch_view<T> scores, std::span<std::int32_t const> truth, std::size_t classes)
        : confusion_matrix(classes) {
        HTUNE_CHECK_AS(::htune::shape_error, scores.rows == truth.size() && scores.cols == classes,
                       "htune::metrics::confusion_matrix: scores have shape (", scores.rows, ", ", scores.cols,
                       ") but there are ", truth.size(), " labels and ", classes, " classes");
        for (std::size_t i = 0; i < truth.size(); ++i) {
            auto const t = detail::checked_label(who, "true label", truth[i], i, classes);
            add_unchecked(t, argmax(scores.row(i), scores.cols));
        }
    }

    // Counts one more sample.
    void add(std::size_t truth, std::size_t predicted) {
        HTUNE_CHECK(truth < m_classes && predicted < m_classes, "htune::metrics::confusion_matrix::add: (", truth, ", ",
                    predicted, ") out of range [0, ", m_classes, ")");
        add_unchecked(truth, predicted);
    }

    // Sums two matrices of the same classes (folds, batches).
    confusion_matrix& operator+=(confusion_matrix const& other) {
        HTUNE_CHECK_AS(::htune::shape_error, m_classes == other.m_classes,
                       "htune::metrics::confusion_matrix::operator+=: ", m_classes, " classes and ", other.m_classes,
                       " classes");
        for (std::size_t i = 0; i < m_counts.size(); ++i) m_counts[i] += other.m_counts[i];
        for (std::size_t c = 0; c < m_classes; ++c) {
            m_totals.true_positives[c] += other.m_totals.true_positives[c];
            m_totals.predicted[c] += other.m_totals.predicted[c];
            m_totals.support[c] += other.m_totals.support[c];
        }
        m_total += other.m_total;
        return *this;
    }

    std::size_t classes() const noexcept { return m_classes; }
    std::size_t total() const noexcept { return m_total; }

    // Samples of true class `truth` predicted as `predicted`.
    std::size_t count(std::size_t truth, std::size_t predicted) const {
        HTUNE_CHECK(truth < m_classes && predicted < m_classes, "htune::metrics::confusion_matrix::count: (", truth,
                    ", ", predicted, ") out of range [0, ", m_classes, ")");
        return m_counts[truth * m_classes + predicted];
    }
    // All counts, row-major (row = true class).
    std::span<std::size_t const> counts() const noexcept { return m_counts; }

    // Samples whose true class is c (row sum).
    std::size_t support(std::size_t c) const { return m_totals.support[checked(c, "support")]; }
    // Samples predicted as c (column sum).
    std::size_t predicted(std::size_t c) const { return m_totals.predicted[checked(c, "predicted")]; }

    double precision(std::size_t c) const { return score(c, "precision", detail::precision_score); }
    double recall(std::size_t c) const { return score(c, "recall", detail::recall_score); }
    double f1(std::size_t c) const { return score(c, "f1", detail::f1_score); }

    double macro_precision() const { return detail::macro_mean(m_totals, detail::precision_score); }
    double macro_recall() const { return detail::macro_mean(m_totals, detail::recall_score); }
    double macro_f1() const { return detail::macro_mean(m_totals, detail::f1_score); }

    // Samples on the diagonal.
    std::size_t correct() const noexcept {
        std::size_t n = 0;
        for (auto tp : m_totals.true_positives) n += tp;
        return n;
    }

    // Share of samples on the diagonal; 0 for an empty matrix. With one label per sample, micro
    // precision, recall and F1 all equal it (every error is one false positive and one false negative).
    double accuracy() const noexcept { return detail::ratio(correct(), m_total); }
    double micro_precision() const noexcept { return accuracy(); }
    double micro_recall() const noexcept { return accuracy(); }
    double micro_f1() const noexcept { return accuracy(); }

    friend bool operator==(confusion_matrix const&, confusion_matrix const&) = default;

private:
    static constexpr std::string_view who = "htune::metrics::confusion_matrix";

    void add_unchecked(std::size_t truth, std::size_t predicted) noexcept {
        ++m_counts[truth * m_classes + predicted];
        m_totals.add(truth, predicted);
        ++m_total;
    }

    std::size_t checked(std::size_t c, char const* what) const {
        HTUNE_CHECK(c < m_classes, who, "::", what, ": class ", c, " out of range [0, ", m_classes, ")");
        return c;
    }

    template <class Score>
    double score(std::size_t c, char const* what, Score s) const {
        checked(c, what);
        return s(m_totals.true_positives[c], m_totals.predicted[c], m_totals.support[c]);
    }

    std::size_t m_classes = 0;
    std::size_t m_total = 0;
    std::vector<std::size_t> m_counts; // [truth * classes + predicted]
    detail::class_totals m_totals;
};

// An aligned table: counts, then support, precision, recall and F1 per class, then the averages.
inline std::ostream& operator<<(std::ostream& os, confusion_matrix const& m) {
    std::size_t const k = m.classes();
    if (k == 0) return os << "confusion_matrix (no classes)\n";
    auto digits = [](std::size_t v) {
        int d = 1;
        for (; v >= 10; v /= 10) ++d;
        return d;
    };
    std::string_view const corner = "true\\pred";
    int const label_w = std::max(static_cast<int>(corner.size()), digits(k - 1));
    int const count_w = std::max(digits(k - 1), digits(m.total())); // no count exceeds the total
    int const support_w = std::max(7, digits(m.total()));

    // A stream of our own, so the caller's flags and precision stay as they were.
    std::ostringstream s;
    s << std::fixed << std::setprecision(3);
    s << std::setw(label_w) << corner << " |";
    for (std::size_t p = 0; p < k; ++p) s << ' ' << std::setw(count_w) << p;
    s << " | " << std::setw(support_w) << "support" << " precision recall    f1\n";
    for (std::size_t t = 0; t < k; ++t) {
        s << std::setw(label_w) << t << " |";
        for (std::size_t p = 0; p < k; ++p) s << ' ' << std::setw(count_w) << m.count(t, p);
        s << " | " << std::setw(support_w) << m.support(t) << ' ' << std::setw(9) << m.precision(t) << ' '
          << std::setw(6) << m.recall(t) << ' ' << std::setw(5) << m.f1(t) << '\n';
    }
    s << "accuracy " << m.accuracy() << " (" << m.correct() << " of " << m.total() << "), macro precision "
      << m.macro_precision() << ", recall " << m.macro_recall() << ", f1 " << m.macro_f1() << '\n';
    return os << s.str();
}

} // namespace htune::metrics
