/** Pods stopped through their own worker (kjob/testing): a stop before, during and after its run. */
import { describe, expect, test } from 'vitest';
import { PodRunStops } from '../../activities/pod-run-stops.js';

const never = () => new AbortController().signal;

describe('PodRunStops', () => {
  test('a running run stops when asked', () => {
    const stops = new PodRunStops();
    const run = stops.track('a', never());
    expect(run.aborted).toBe(false);
    stops.stop(['a']);
    expect(run.aborted).toBe(true);
    run.release();
  });

  test('a stop that comes before its run starts stops the run as it starts', () => {
    const stops = new PodRunStops();
    stops.stop(['early']);
    const run = stops.track('early', never());
    expect(run.aborted).toBe(true);
    run.release();
    // Used once: a later run of another key is not stopped by it.
    expect(stops.track('other', never()).aborted).toBe(false);
  });

  test('a stop that comes after its run ended is not kept for a run that will never come', () => {
    const stops = new PodRunStops();
    const run = stops.track('done', never());
    run.release();
    stops.stop(['done']);
    // Were it kept as an early stop, the key would stop a run that tracked it again.
    expect(stops.track('done', never()).aborted).toBe(false);
  });

  test('the activity being cancelled also ends the run', () => {
    const stops = new PodRunStops();
    const cancellation = new AbortController();
    const run = stops.track('c', cancellation.signal);
    cancellation.abort(new Error('cancelled'));
    expect(run.aborted).toBe(true);
    run.release();
  });
});
