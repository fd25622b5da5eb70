using System.Text;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

/// <summary>
/// The duplicate finder's table on description sets shaped like real ones: every description goes in, each is
/// found again, and the hash spreads them over the table (few shared home slots, short probe runs), which is what
/// keeps the finder linear on the blobs kdump-utils writes. Bounds are loose: 128 random hashes into 256 slots give
/// about 100 distinct home slots. (Descriptions that differ only in the middle all share a home slot by design: see
/// Duplicates_are_found_when_every_description_looks_alike_to_the_hash in ReaderRuleTests.)
/// </summary>
public class DuplicateFinderTests
{
    private sealed class Descriptions(byte[][] items) : IDescriptionSource
    {
        public int Count => items.Length;

        public bool TryGetDescription(int index, out ReadOnlySpan<byte> description)
        {
            description = items[index];
            return true;
        }
    }

    private static byte[][] Family(int count, Func<int, string> description) =>
        Enumerable.Range(0, count).Select(i => Encoding.ASCII.GetBytes(description(i))).ToArray();

    public static TheoryData<string> Families => new()
    {
        "random uuids",
        "uuids differing in the last two characters",
        "names differing in the last character",
        "names differing in the first characters",
        "same head and tail, different lengths",
        "short names of 7 bytes",
        "short names of 3 to 5 bytes",
    };

    private static byte[][] Make(string family)
    {
        const string Uuid = "6b1f0a3e-2c4d-4e5f-8a9b-0c1d2e3f";
        var random = new Random(78);
        return family switch
        {
            "random uuids" => Family(128, _ =>
            {
                byte[] bytes = new byte[16];
                random.NextBytes(bytes);
                return "cryptsetup:" + new Guid(bytes).ToString("D");
            }),
            "uuids differing in the last two characters" => Family(128, i => $"cryptsetup:{Uuid}40{i:x2}"),
            "names differing in the last character" => Family(94, i => $"cryptsetup:volume-{(char)(0x21 + i)}"),
            "names differing in the first characters" => Family(128, i => $"{i:d3}:luks-root-volume"),
            "same head and tail, different lengths" => Family(109, i => "cryptsetup:" + new string('x', i) + ":volume"),
            "short names of 7 bytes" => Family(128, i => $"{i:d3}:key"),
            "short names of 3 to 5 bytes" => Family(128, i => $"{i}:k"),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Distinct_descriptions_all_go_in_spread_over_the_table_and_are_found_again(string family)
    {
        byte[][] items = Make(family);
        var source = new Descriptions(items);
        Span<byte> slots = new byte[DuplicateFinder.TableSize];
        Span<uint> hashes = new uint[KeyBlobLayout.MaxKeys];
        for (int i = 0; i < items.Length; i++)
        {
            Assert.False(DuplicateFinder.Add(source, slots, hashes, i, items[i]), $"entry {i} taken for a duplicate");
        }

        // Every entry sits in the table, at most a short run after its home slot (hash & mask).
        int distinctHomes = hashes[..items.Length].ToArray().Select(h => h & (DuplicateFinder.TableSize - 1)).Distinct().Count();
        int probes = 0;
        for (int i = 0; i < items.Length; i++)
        {
            int at = slots.IndexOf((byte)(i + 1));
            Assert.True(at >= 0, $"entry {i} is not in the table");
            probes += (at - (int)(hashes[i] & (DuplicateFinder.TableSize - 1))) & (DuplicateFinder.TableSize - 1);
        }

        Assert.True(distinctHomes >= items.Length * 6 / 10, $"{family}: {distinctHomes} distinct home slots for {items.Length} descriptions");
        Assert.True(probes <= 2 * items.Length, $"{family}: {probes} slots passed over for {items.Length} descriptions");

        // A copy of any entry is found, whichever slot its original took.
        for (int i = 0; i < items.Length; i++)
        {
            uint[] moreHashes = new uint[items.Length + 1];
            hashes[..items.Length].CopyTo(moreHashes);
            Assert.True(DuplicateFinder.Add(source, slots.ToArray(), moreHashes, items.Length, items[i]), $"copy of entry {i} not found");
        }
    }
}
