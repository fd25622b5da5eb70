using CrashDmCrypt.Dumps.Scanning;

namespace CrashDmCrypt.Dumps.Scrubbing;

/// <summary>A copy of a known key's bytes or schedule that <see cref="LeftoverCheck"/> found. Never holds a key byte.</summary>
/// <param name="Kind"><see cref="FindingKind.RawKey"/> or <see cref="FindingKind.AesSchedule"/>.</param>
/// <param name="KeyIndex">The key's index in the <see cref="Forms.KeySet"/> checked for.</param>
/// <param name="Part">Which part of the key.</param>
/// <param name="Schedule">Which schedule, or none.</param>
/// <param name="FileOffset">Where in the file the copy starts, for a copy in the file's bytes; -1 for one in a decompressed page.</param>
/// <param name="PageFrame">The page frame number of the decompressed kdump page the copy starts in; -1 for a copy in the file's bytes.</param>
/// <param name="PageOffset">Where in that page the copy starts (it may run into the next page); -1 for a copy in the file's bytes.</param>
/// <param name="Length">The copy's length in bytes.</param>
public readonly record struct Leftover(FindingKind Kind, int KeyIndex, KeyPart Part, AesScheduleKind Schedule, long FileOffset, long PageFrame, int PageOffset, int Length);
