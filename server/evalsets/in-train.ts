/** The tag marking an item whose fact is in the fine-tuning data (`"in_train": true` on the line). */
export const IN_TRAIN_TAG = 'in_train';

/** Whether an item's tags mark it as in the fine-tuning data. */
export function taggedInTrain(tags: readonly string[] | undefined): boolean {
  return tags !== undefined && tags.includes(IN_TRAIN_TAG);
}
