/* Seeded stratified splits of rows by class: a train/test split and k-fold
 * assignment. They take the class array, not a table, so any labelled
 * rows can use them; the same (y, seed) always gives the same split, on
 * every platform (own PRNG: xoshiro256** seeded through splitmix64). */
#ifndef CLS_SPLIT_H
#define CLS_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/* Marks is_test[i] = 1 for test rows, 0 for training rows, of n rows with
 * classes y[i] < n_classes. Per class of c rows, round(c * test_share)
 * rows go to test, at least 1 and at most c - 1 when c >= 2; a class of
 * one row goes to training (it cannot be on both sides). Which rows is a
 * seeded shuffle within the class. Returns 0, or -EINVAL (test_share not
 * in (0, 1), a class out of range), -ENOMEM. */
int cls_split_train_test(const uint32_t *y, size_t n, size_t n_classes, double test_share,
			 uint64_t seed, uint8_t *is_test);

/* Assigns fold[i] in 0..k-1: each class's rows, shuffled, are dealt round
 * robin over the folds, starting where the previous class stopped, so a
 * class's count differs by at most 1 between folds, and so does the
 * folds' total. A class with fewer than k rows is absent from some folds.
 * Returns 0, or -EINVAL (k < 2, a class out of range), -ENOMEM. */
int cls_split_kfold(const uint32_t *y, size_t n, size_t n_classes, unsigned k, uint64_t seed,
		    uint32_t *fold);

#endif
