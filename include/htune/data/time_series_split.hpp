#pragma once
// Time-ordered splits: every validation block lies after the rows trained on, so no model sees the
// future it is scored on. The rows stay in their order (no shuffling); the data set's row order is
// taken as time order. scikit-learn's TimeSeriesSplit, split for split:
//
//   auto const splits = data::time_series_rows(n, 5);             // expanding window
//   auto const rolling = data::time_series_rows(n, 5, {.gap = 2, .max_train_rows = 500});
//
// Split s of k validates on a block of `validation_rows` rows (default n / (k + 1)); the blocks
// end the series, the last split's at row n. It trains on the rows before its block, less `gap`
// rows just before it (for targets that look ahead), and at most the last `max_train_rows` of them
// (0: all, an expanding window).

#include <cstddef>
#include <vector>

#include "../core/errors.hpp"
#include "kfold.hpp"

namespace htune::data {

struct time_series_options {
    std::size_t gap = 0;             // rows left out between the training rows and the validation block
    std::size_t max_train_rows = 0;  // 0: every earlier row (expanding window); else the last this many
    std::size_t validation_rows = 0; // 0: n / (splits + 1)
};

inline std::vector<fold_rows> time_series_rows(std::size_t n, std::size_t splits, time_series_options const& o = {}) {
    constexpr char const* who = "htune::data::time_series_rows: ";
    HTUNE_CHECK(splits >= 1, who, "splits (", splits, ") must be at least 1");
    std::size_t const block = o.validation_rows > 0 ? o.validation_rows : n / (splits + 1);
    HTUNE_CHECK_AS(data_error, block > 0 && splits * block + o.gap < n, who, n, " rows cannot hold ", splits,
                   " validation blocks of ", block, " rows after a gap of ", o.gap,
                   " with at least one training row; use fewer splits or more rows");
    std::vector<fold_rows> result(splits);
    for (std::size_t s = 0; s < splits; ++s) {
        std::size_t const start = n - (splits - s) * block;
        std::size_t const train_end = start - o.gap;
        std::size_t const train_begin =
            o.max_train_rows > 0 && o.max_train_rows < train_end ? train_end - o.max_train_rows : 0;
        auto& rows = result[s];
        for (std::size_t r = train_begin; r < train_end; ++r) rows.train.push_back(r);
        for (std::size_t r = start; r < start + block; ++r) rows.validation.push_back(r);
    }
    return result;
}

} // namespace htune::data
