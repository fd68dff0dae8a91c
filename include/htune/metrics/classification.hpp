#pragma once
// Classification metrics: accuracy, precision, recall and F1 of class scores against labels.
//
// Outputs have one row per sample and one column per class (probabilities or logits); the
// predicted class is the row's argmax, the first one on ties. Zero division and macro averaging
// follow scikit-learn's zero_division=0, as documented in confusion.hpp.
//
//   accuracy                                  share of samples predicted right
//   precision<>, recall<>, f1<>               macro average over the classes that occur
//   f1<average::of_class<2>>                  class 2 against the rest
//   f1<average::binary>                       class 1 against 0 (scikit-learn's average="binary")
//
// The averaging is a template argument rather than a member so that a pipeline can name the
// metric as a type, as in kfold<5, f1<>>.

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "../core/errors.hpp"
#include "../core/roles.hpp"
#include "../core/targets.hpp"
#include "../core/tensor.hpp"
#include "confusion.hpp"

namespace htune::metrics {

namespace average {
// Unweighted mean of the per-class scores over the classes among the true or predicted labels.
struct macro {};
// The score of one class against all the others.
template <std::size_t Class>
struct of_class {
    static constexpr std::size_t index = Class;
};
using binary = of_class<1>;
} // namespace average

namespace detail {

template <class A>
inline constexpr bool is_of_class = false;
template <std::size_t C>
inline constexpr bool is_of_class<average::of_class<C>> = true;
template <class A>
inline constexpr bool is_average = std::is_same_v<A, average::macro> || is_of_class<A>;

// The checks every classification metric makes before it reads a sample.
template <class T>
void check_classification(std::string_view who, batch_view<T const> out, targets<T> const& y) {
    HTUNE_CHECK(!y.labels.empty() || y.values.rows == 0, who, ": needs class labels, got real-valued targets");
    HTUNE_CHECK_AS(::htune::shape_error, out.rows == y.labels.size(), who, ": outputs have shape (", out.rows, ", ",
                   out.cols, ") but there are ", y.labels.size(), " labels");
    HTUNE_CHECK(out.rows > 0, who, ": no samples");
    // One column cannot hold an argmax; a sigmoid output needs two columns (or a threshold of its own).
    HTUNE_CHECK_AS(::htune::shape_error, out.cols >= 2, who, ": outputs have shape (", out.rows, ", ", out.cols,
                   "); need one score column per class, at least 2");
}

// precision, recall or F1 (Score(tp, predicted, support)) in one pass over the samples.
template <class Average, class T, class Score>
double class_score(std::string_view who, batch_view<T const> out, targets<T> const& y, Score score) {
    check_classification(who, out, y);
    if constexpr (is_of_class<Average>) {
        constexpr std::size_t c = Average::index;
        HTUNE_CHECK(c < out.cols, who, ": class ", c, " out of range [0, ", out.cols, ")");
        std::size_t tp = 0, predicted = 0, support = 0; // no allocation for a single class
        for (std::size_t i = 0; i < out.rows; ++i) {
            bool const is_true = checked_label(who, "label", y.labels[i], i, out.cols) == c;
            bool const is_predicted = argmax(out.row(i), out.cols) == c;
            tp += is_true && is_predicted;
            predicted += is_predicted;
            support += is_true;
        }
        return score(tp, predicted, support);
    } else {
        class_totals totals(out.cols);
        for (std::size_t i = 0; i < out.rows; ++i)
            totals.add(checked_label(who, "label", y.labels[i], i, out.cols), argmax(out.row(i), out.cols));
        return macro_mean(totals, score);
    }
}

} // namespace detail

// Share of samples whose argmax is their label. Allocates nothing: the trainer calls it every epoch.
struct accuracy {
    using htune_role = role::metric;
    static constexpr bool higher_is_better = true;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        constexpr std::string_view who = "htune::metrics::accuracy";
        detail::check_classification(who, out, y);
        std::size_t correct = 0;
        for (std::size_t i = 0; i < out.rows; ++i) {
            auto const truth = detail::checked_label(who, "label", y.labels[i], i, out.cols);
            correct += truth == argmax(out.row(i), out.cols);
        }
        return detail::ratio(correct, out.rows);
    }
};

// tp / (tp + fp): of the samples predicted as a class, the share that belong to it.
template <class Average = average::macro>
struct precision {
    static_assert(detail::is_average<Average>, "htune::metrics::precision<Average>: Average must be "
                                               "average::macro or average::of_class<I>");
    using htune_role = role::metric;
    static constexpr bool higher_is_better = true;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        return detail::class_score<Average>("htune::metrics::precision", out, y, detail::precision_score);
    }
};

// tp / (tp + fn): of the samples of a class, the share predicted as it.
template <class Average = average::macro>
struct recall {
    static_assert(detail::is_average<Average>, "htune::metrics::recall<Average>: Average must be "
                                               "average::macro or average::of_class<I>");
    using htune_role = role::metric;
    static constexpr bool higher_is_better = true;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        return detail::class_score<Average>("htune::metrics::recall", out, y, detail::recall_score);
    }
};

// Harmonic mean of precision and recall, 2 tp / (2 tp + fp + fn). The macro F1 is the mean of the
// per-class F1 (as scikit-learn), not the F1 of the macro precision and recall.
template <class Average = average::macro>
struct f1 {
    static_assert(detail::is_average<Average>, "htune::metrics::f1<Average>: Average must be "
                                               "average::macro or average::of_class<I>");
    using htune_role = role::metric;
    static constexpr bool higher_is_better = true;

    template <class T>
    double operator()(batch_view<T const> out, targets<T> const& y) const {
        return detail::class_score<Average>("htune::metrics::f1", out, y, detail::f1_score);
    }
};

} // namespace htune::metrics
