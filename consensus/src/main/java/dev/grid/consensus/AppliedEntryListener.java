package dev.grid.consensus;

import dev.grid.core.LogEntryView;

/**
 * Told of every entry a node has applied, after its state machines applied it: for metrics, audit trails and the
 * simulation's checkers. It must not call the node or its log.
 */
@FunctionalInterface
public interface AppliedEntryListener
{
    /** Listens to nothing. */
    AppliedEntryListener NONE = (entry) -> {};

    /**
     * @param entry the entry just applied, valid only during the call.
     */
    void onApplied(LogEntryView entry);
}
