import { describe, expect, it } from 'vitest';
import {
  DEFAULT_INDEX_SETTINGS,
  defaultSearchEf,
  type IndexSettings,
  searchEf,
  searchEfOf,
} from '../../src/store/index.js';

const base: IndexSettings = { ...DEFAULT_INDEX_SETTINGS };
const calibratedAt = '2026-12-01T00:00:00.000Z';

describe('the search breadth by query modality', () => {
  it('defaults grow with the library, and cross-modal queries get a wider one', () => {
    expect(defaultSearchEf(5_000, 'video')).toBe(64);
    expect(defaultSearchEf(5_000, 'text')).toBe(640);
    expect(defaultSearchEf(20_000, 'text')).toBe(640);
    expect(defaultSearchEf(200_000, 'video')).toBe(128);
    // A power of the size, not its logarithm: 10x the segments, 10^0.8 the breadth.
    expect(defaultSearchEf(200_000, 'text')).toBe(4038);
    expect(defaultSearchEf(200_000, 'image')).toBe(defaultSearchEf(200_000, 'audio'));
    expect(defaultSearchEf(1e12, 'video')).toBe(557);
    // Steeper past 200k segments: 1M text-like queries needed more than size^0.8 gave.
    expect(defaultSearchEf(500_000, 'text')).toBe(10_095);
    expect(defaultSearchEf(1_000_000, 'text')).toBe(20_191);
    expect(defaultSearchEf(1e12, 'text')).toBe(32_768);
    expect(searchEf(base, 200_000, 'text')).toBe(4038);
  });

  it('uses the ef calibrated for the modality, and for an unmeasured cross-modal one the default, never below the video ef', () => {
    const settings: IndexSettings = {
      ...base,
      ef: 300,
      calibration: {
        target: 0.99,
        recall: 0.995,
        k: 10,
        queries: 300,
        segments: 20_000,
        calibratedAt,
        modalities: {
          video: { ef: 300, recall: 0.995, source: 'own', count: 300 },
          text: { ef: 900, recall: 0.991, source: 'cached', count: 120 },
        },
      },
    };
    expect(searchEf(settings, 20_000, 'text')).toBe(900);
    expect(searchEf(settings, 20_000, 'video')).toBe(300);
    expect(searchEf(settings, 20_000, 'audio')).toBe(640);
    expect(
      searchEf(
        {
          ...settings,
          ef: 700,
          calibration: {
            target: 0.99,
            recall: 0.99,
            k: 10,
            queries: 300,
            segments: 20_000,
            calibratedAt,
            modalities: { video: { ef: 700, recall: 0.99, source: 'own', count: 300 } },
          },
        },
        20_000,
        'image',
      ),
    ).toBe(700);
    expect(searchEfOf(settings, 20_000, ['video', 'text'])).toBe(900);
  });

  it('reads a record from before per-modality calibration as a video one, and a fixed ef wins over all', () => {
    const legacy: IndexSettings = {
      ...base,
      ef: 48,
      calibration: { target: 0.99, recall: 0.992, k: 10, queries: 300, segments: 20_000, calibratedAt },
    };
    expect(searchEf(legacy, 20_000, 'video')).toBe(48);
    expect(searchEf(legacy, 20_000, 'text')).toBe(640);
    expect(searchEf({ ...base, ef: 32, efFixed: true }, 200_000, 'text')).toBe(32);
  });
});
