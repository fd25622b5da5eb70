using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Bench;

/// <summary>
/// The serialise, read and restore hot paths, each next to its physical floor and a naive
/// implementation, for 1, 16 and 128 keys of 64 bytes in both byte orders. Rows are grouped by
/// category (Serialise, Read, Restore) and parameters; the floor is each group's baseline, so the
/// Ratio column is "times the floor" and every ratio comes from one run on one machine.
/// All inputs and buffers are built in <see cref="Setup"/>; no row allocates except the naive ones.
/// </summary>
[MemoryDiagnoser]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory, BenchmarkLogicalGroupRule.ByParams)]
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "BenchmarkDotNet owns the lifetime; [GlobalCleanup] disposes.")]
public class KeyBlobBenchmarks
{
    private const string Serialise = "Serialise";
    private const string Read = "Read";
    private const string Restore = "Restore";

    private BenchInputs _inputs = null!;
    private KeyBlobKey[] _keys = null!;
    private KeyBlobKeySet _keySet = null!;
    private KeyBlobReadOptions _options;
    private KeyBlobReadOptions _kernelOptions;
    private KeyBlobWriteOptions _writeOptions;
    private bool _bigEndian;
    private int _size;

    // The caller's reused output buffer for the serialise rows.
    private byte[] _destination = null!;

    // Bytes the kernel copies into the zeroed blob, laid end to end: the serialise floor's CopyTo source.
    private byte[] _content = null!;

    // A valid blob in the chosen byte order, written once; the read and restore rows start from it.
    private byte[] _blob = null!;

    // Restore zeroises its region, so each restore row first copies _blob here (as the kdump
    // kernel first reads old memory into its own buffer with read_from_oldmem).
    private byte[] _working = null!;

    // Where the sink copies each key: KEY_SIZE_MAX bytes, cleared after every key.
    private byte[] _scratch = null!;

    // The restore floor copies all keys out in one go: Count * 64 bytes.
    private byte[] _floorScratch = null!;

    /// <summary>Number of keys in the blob (KEY_NUM_MAX is 128).</summary>
    [Params(1, 16, 128)]
    public int KeyCount { get; set; }

    /// <summary>Byte order of <c>total_keys</c> and <c>key_size</c>.</summary>
    [Params(KeyBlobByteOrder.LittleEndian, KeyBlobByteOrder.BigEndian)]
    public KeyBlobByteOrder ByteOrder { get; set; }

    /// <summary>Builds the keys, the buffers and a valid blob; checks every row does what it claims once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _inputs = new BenchInputs(KeyCount);
        _keys = _inputs.Keys;
        _options = new KeyBlobReadOptions { ByteOrder = ByteOrder };
        _kernelOptions = new KeyBlobReadOptions { ByteOrder = ByteOrder, Mode = KeyBlobMode.Kernel };
        _writeOptions = new KeyBlobWriteOptions { ByteOrder = ByteOrder };
        _bigEndian = ByteOrder == KeyBlobByteOrder.BigEndian;
        _size = KeyBlobWriter.GetRequiredSize(KeyCount);
        _destination = GC.AllocateArray<byte>(_size, pinned: true);
        _blob = GC.AllocateArray<byte>(_size, pinned: true);
        _working = GC.AllocateArray<byte>(_size, pinned: true);
        _scratch = GC.AllocateArray<byte>(KeyBlobLayout.MaxKeySize, pinned: true);
        _floorScratch = GC.AllocateArray<byte>(KeyCount * BenchInputs.KeySize, pinned: true);
        _content = GC.AllocateArray<byte>(_inputs.ContentBytes, pinned: true);
        if (KeyBlobWriter.Write(_keys, _blob, _writeOptions, out _, out _) != OperationStatus.Done)
        {
            throw new InvalidOperationException("The benchmark keys were refused.");
        }

        if (!KeyBlobKeySet.TryCreate(_keys, out KeyBlobKeySet? keySet, out _))
        {
            throw new InvalidOperationException("The benchmark keys were refused as a key set.");
        }

        _keySet = keySet;
        FillContent();
        SelfCheck();
    }

    /// <summary>Clears every buffer that held key material.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        CryptographicOperations.ZeroMemory(_destination);
        CryptographicOperations.ZeroMemory(_content);
        CryptographicOperations.ZeroMemory(_blob);
        CryptographicOperations.ZeroMemory(_working);
        CryptographicOperations.ZeroMemory(_scratch);
        CryptographicOperations.ZeroMemory(_floorScratch);
        _keySet.Dispose();
        _inputs.Dispose();
    }

    /// <summary>Codec: <see cref="KeyBlobWriter.Write(ReadOnlySpan{KeyBlobKey}, Span{byte}, KeyBlobWriteOptions, out int, out KeyBlobProblem)"/> (validation, duplicate check, then the blob written: one clear, then the fields copied in) into the reused buffer.</summary>
    [Benchmark]
    [BenchmarkCategory(Serialise)]
    public int Serialise_Codec_Write()
    {
        KeyBlobWriter.Write(_keys, _destination, _writeOptions, out int written, out _);
        return written;
    }

    /// <summary>Codec: <see cref="KeyBlobKeySet.Write"/>, a key set validated once when it was created, written without checking again (the kernel checks at configfs store time and then only copies).</summary>
    [Benchmark]
    [BenchmarkCategory(Serialise)]
    public int Serialise_Codec_WriteValidated()
    {
        _keySet.Write(_destination, _writeOptions, out int written);
        return written;
    }

    /// <summary>Diagnostic: only the rule checks that <see cref="KeyBlobWriter"/>'s Write runs before writing (<see cref="KeyBlobWriter.TryValidate"/>).</summary>
    [Benchmark]
    [BenchmarkCategory(Serialise)]
    public bool Serialise_Codec_ValidateOnly() => KeyBlobWriter.TryValidate(_keys, out _);

    /// <summary>Floor: clear the blob-sized buffer (kzalloc) and copy in, in one piece, as many bytes as the kernel copies (count, and per key key_size, description, key).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Serialise)]
    public int Serialise_Floor_ClearCopy()
    {
        Span<byte> destination = _destination.AsSpan(0, _size);
        destination.Clear();
        _content.CopyTo(destination);
        return destination.Length;
    }

    /// <summary>Naive: MemoryStream + BinaryWriter, Encoding.ASCII, new field arrays per key, the same rules checked, ToArray at the end.</summary>
    [Benchmark]
    [BenchmarkCategory(Serialise)]
    public int Serialise_Naive_BinaryWriter() =>
        NaiveKeyBlob.Serialise(_inputs.DescriptionStrings, _inputs.KeyArrays, _bigEndian).Length;

    /// <summary>Codec: strict <see cref="KeyBlobReader.TryRead(ReadOnlySpan{byte}, KeyBlobReadOptions, out KeyBlob, out KeyBlobProblem)"/>, then every entry enumerated and its key touched.</summary>
    [Benchmark]
    [BenchmarkCategory(Read)]
    public int Read_Codec_TryReadEnumerate()
    {
        if (!KeyBlobReader.TryRead(_blob, _options, out KeyBlob blob, out _))
        {
            return -1;
        }

        int touched = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            touched += entry.Description.Length + entry.Key[0] + entry.Key[^1];
        }

        return touched;
    }

    /// <summary>Diagnostic: the same read in kernel mode, which skips the strict-only rules (duplicates, padding, logon form, newline).</summary>
    [Benchmark]
    [BenchmarkCategory(Read)]
    public int Read_Codec_KernelModeEnumerate()
    {
        if (!KeyBlobReader.TryRead(_blob, _kernelOptions, out KeyBlob blob, out _))
        {
            return -1;
        }

        int touched = 0;
        foreach (KeyBlobEntry entry in blob)
        {
            touched += entry.Description.Length + entry.Key[0] + entry.Key[^1];
        }

        return touched;
    }

    /// <summary>Floor: one vectorised pass that reads every byte of the blob (Span.Count).</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Read)]
    public int Read_Floor_ScanOnce() => _blob.AsSpan().Count((byte)0);

    /// <summary>Naive: MemoryStream + BinaryReader, a string and new arrays per entry, the same strict rules checked, each key touched.</summary>
    [Benchmark]
    [BenchmarkCategory(Read)]
    public int Read_Naive_BinaryReader()
    {
        int touched = 0;
        foreach (NaiveKey key in NaiveKeyBlob.Read(_blob, _size, _bigEndian))
        {
            touched += key.Description.Length + key.Key[0] + key.Key[^1];
        }

        return touched;
    }

    /// <summary>
    /// Codec: copy the blob into the working region, then <see cref="KeyBlobRestorer.Restore{TSink}"/>:
    /// strict validation, each key copied by a struct sink into pinned scratch that it then clears, and the region zeroised.
    /// </summary>
    [Benchmark]
    [BenchmarkCategory(Restore)]
    public int Restore_Codec_Restore()
    {
        _blob.CopyTo(_working, 0);
        var sink = new ScratchSink(_scratch);
        KeyBlobRestoreResult result = KeyBlobRestorer.Restore(_working, _options, ref sink);
        return result.KeysRestored + sink.Touched;
    }

    /// <summary>Floor: the same bytes moved with no checks: copy the blob into the working region, copy Count * 64 key bytes out in one piece, clear the scratch, clear the region.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory(Restore)]
    public int Restore_Floor_ClearCopy()
    {
        _blob.CopyTo(_working, 0);
        Span<byte> keys = _floorScratch;
        _working.AsSpan(KeyBlobLayout.EntriesOffset, keys.Length).CopyTo(keys);
        int touched = keys[0];
        keys.Clear();
        _working.AsSpan().Clear();
        return touched;
    }

    /// <summary>Naive: copy the blob into the working region, read it with the naive reader, copy each key into the scratch and clear it, clear each key array, clear the region.</summary>
    [Benchmark]
    [BenchmarkCategory(Restore)]
    public int Restore_Naive_BinaryReader()
    {
        _blob.CopyTo(_working, 0);
        int touched = 0;
        try
        {
            foreach (NaiveKey key in NaiveKeyBlob.Read(_working, _size, _bigEndian))
            {
                Array.Copy(key.Key, _scratch, key.Key.Length);
                touched += _scratch[0];
                Array.Clear(_scratch, 0, key.Key.Length);
                Array.Clear(key.Key);
            }
        }
        finally
        {
            Array.Clear(_working);
        }

        return touched;
    }

    private void FillContent()
    {
        // Same bytes the serialise rows produce, minus the zero padding: what the kernel copies in.
        Span<byte> content = _content;
        _blob.AsSpan(0, KeyBlobLayout.CountLength).CopyTo(content);
        int at = KeyBlobLayout.CountLength;
        for (int i = 0; i < KeyCount; i++)
        {
            int entry = KeyBlobLayout.GetEntryOffset(i);
            int descriptionLength = _inputs.Descriptions[i].Length;
            _blob.AsSpan(entry, KeyBlobLayout.KeySizeLength + descriptionLength).CopyTo(content[at..]);
            at += KeyBlobLayout.KeySizeLength + descriptionLength;
            _blob.AsSpan(entry + KeyBlobLayout.DataOffset, BenchInputs.KeySize).CopyTo(content[at..]);
            at += BenchInputs.KeySize;
        }
    }

    // A wrong row is worse than a slow one: check once, outside the timed code, that each row does its work.
    private void SelfCheck()
    {
        if (Serialise_Codec_Write() != _size || !_destination.AsSpan().SequenceEqual(_blob))
        {
            throw new InvalidOperationException("Serialise_Codec_Write did not produce the reference blob.");
        }

        _destination.AsSpan().Clear();
        if (Serialise_Codec_WriteValidated() != _size || !_destination.AsSpan().SequenceEqual(_blob))
        {
            throw new InvalidOperationException("Serialise_Codec_WriteValidated did not produce the reference blob.");
        }

        if (!NaiveKeyBlob.Serialise(_inputs.DescriptionStrings, _inputs.KeyArrays, _bigEndian).AsSpan().SequenceEqual(_blob))
        {
            throw new InvalidOperationException("Serialise_Naive_BinaryWriter did not produce the reference blob.");
        }

        if (!Serialise_Codec_ValidateOnly())
        {
            throw new InvalidOperationException("Serialise_Codec_ValidateOnly refused the keys.");
        }

        if (Read_Codec_TryReadEnumerate() != Read_Naive_BinaryReader() || Read_Codec_KernelModeEnumerate() != Read_Naive_BinaryReader())
        {
            throw new InvalidOperationException("The codec and naive readers disagree.");
        }

        var sink = new ScratchSink(_scratch);
        _blob.CopyTo(_working, 0);
        KeyBlobRestoreResult result = KeyBlobRestorer.Restore(_working, _options, ref sink);
        if (!result.Succeeded || result.KeysRestored != KeyCount || _working.AsSpan().ContainsAnyExcept((byte)0) || _scratch.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new InvalidOperationException("Restore_Codec_Restore did not restore every key and clear everything.");
        }

        Restore_Naive_BinaryReader();
        Restore_Floor_ClearCopy();
        if (_working.AsSpan().ContainsAnyExcept((byte)0) || _scratch.AsSpan().ContainsAnyExcept((byte)0) || _floorScratch.AsSpan().ContainsAnyExcept((byte)0))
        {
            throw new InvalidOperationException("A restore baseline left key material behind.");
        }
    }

    /// <summary>The restore sink: copies each key into pinned scratch, as an add_key wrapper would, then clears it.</summary>
    private struct ScratchSink(byte[] scratch) : IKeyBlobSink
    {
        public int Touched { get; private set; }

        public void Add(KeyBlobEntry entry)
        {
            Span<byte> copy = scratch.AsSpan(0, entry.KeySize);
            entry.Key.CopyTo(copy);
            Touched += copy[0];
            CryptographicOperations.ZeroMemory(copy);
        }
    }
}
