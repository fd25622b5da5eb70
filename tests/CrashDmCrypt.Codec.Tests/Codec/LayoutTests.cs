using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Codec.Tests;

public class LayoutTests
{
    [Fact]
    public void Offsets_match_the_kernel_struct()
    {
        Assert.Equal(4, KeyBlobLayout.EntriesOffset);
        Assert.Equal(0, KeyBlobLayout.KeySizeOffset);
        Assert.Equal(4, KeyBlobLayout.DescriptionOffset);
        Assert.Equal(132, KeyBlobLayout.DataOffset);
        Assert.Equal(388, KeyBlobLayout.EntrySize);
        Assert.Equal(49_668, KeyBlobLayout.MaxBlobSize);
    }
}
