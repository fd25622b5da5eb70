using System.Diagnostics;
using System.Text;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Kernel.Tests.Configfs;

/// <summary>The client on a temporary directory that imitates configfs.</summary>
public sealed class ConfigfsClientTests : IDisposable
{
    private const string Uuid = "7d26b7b4-e342-4d2d-b660-7426b0996720";
    private const string Description = "cryptsetup:" + Uuid;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cdc-configfs-" + Guid.NewGuid().ToString("N"));

    public ConfigfsClientTests()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "count"), "0\n");
        File.WriteAllText(Path.Combine(_root, "reuse"), "0\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Add_makes_the_item_and_writes_the_description_and_its_newline()
    {
        var client = new ConfigfsClient(_root);

        ConfigfsResult result = client.AddKey(Uuid, Description);

        Assert.Equal(new ConfigfsResult { Item = Uuid }, result);
        Assert.Equal(Description + "\n", File.ReadAllText(Path.Combine(_root, Uuid, "description")));
        ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> list = client.ListKeys();
        Assert.Equal([new ConfigfsKeyItem(Uuid, Description)], list.Value);
    }

    // The description rules are the codec's: a refusal names the codec's rule and code.
    public static TheoryData<string, KeyBlobError, string> DescriptionRefusals => new()
    {
        { "", KeyBlobError.DescriptionEmpty, "CDC008" },
        { "a:b\nc", KeyBlobError.DescriptionContainsNewline, "CDC009" },
        { "a:b\0c", KeyBlobError.DescriptionContainsNul, "CDC022" },
        { "a:" + new string('x', 127), KeyBlobError.DescriptionTooLong, "CDC020" },
        { "a:" + new string('é', 64), KeyBlobError.DescriptionTooLong, "CDC020" },
        { "a:" + new string('x', 10000), KeyBlobError.DescriptionTooLong, "CDC020" },
    };

    [Theory]
    [MemberData(nameof(DescriptionRefusals))]
    public void A_refused_description_carries_the_codec_s_rule(string description, KeyBlobError error, string code)
    {
        ConfigfsResult result = new ConfigfsClient(_root).AddKey("k", description);

        Assert.Equal(ConfigfsStatus.DescriptionRefused, result.Status);
        Assert.Equal(ConfigfsOperation.CheckDescription, result.Operation);
        Assert.Equal("k", result.Item);
        Assert.Equal(error, result.DescriptionProblem.Error);
        Assert.Equal(code, result.Code);
        Assert.Empty(Directory.GetDirectories(_root));
        Assert.Equal(result with { Item = null }, ConfigfsClient.CheckDescription(description));
    }

    public static TheoryData<string, string, ConfigfsStatus, ConfigfsWarnings> Refusals => new()
    {
        { "k", "a:" + new string('x', 126), ConfigfsStatus.Ok, ConfigfsWarnings.DescriptionTruncatedByKernel },
        { "k", "a:" + new string('x', 125), ConfigfsStatus.Ok, ConfigfsWarnings.None },
        { "k", "nocolon", ConfigfsStatus.Ok, ConfigfsWarnings.DescriptionNotLogonForm },
        { "k", ":rest", ConfigfsStatus.Ok, ConfigfsWarnings.DescriptionNotLogonForm },
        { "", Description, ConfigfsStatus.InvalidName, ConfigfsWarnings.None },
        { "..", Description, ConfigfsStatus.InvalidName, ConfigfsWarnings.None },
        { "a/b", Description, ConfigfsStatus.InvalidName, ConfigfsWarnings.None },
        { "count", Description, ConfigfsStatus.InvalidName, ConfigfsWarnings.None },
        { new string('n', 256), Description, ConfigfsStatus.InvalidName, ConfigfsWarnings.None },
        { new string('n', 255), Description, ConfigfsStatus.Ok, ConfigfsWarnings.None },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void What_the_kernel_would_refuse_is_refused_before_touching_the_directory(string name, string description, ConfigfsStatus expected, ConfigfsWarnings warnings)
    {
        ConfigfsResult result = new ConfigfsClient(_root).AddKey(name, description);

        Assert.Equal(expected, result.Status);
        Assert.Equal(warnings, result.Warnings);
        Assert.Equal(LinuxErrno.None, result.Errno);
        Assert.Equal(expected == ConfigfsStatus.Ok ? 1 : 0, Directory.GetDirectories(_root).Length);
        Assert.Equal(name, result.Item);
        Assert.Equal(expected == ConfigfsStatus.Ok ? ConfigfsOperation.None : ConfigfsOperation.CheckName, result.Operation);
    }

    [Theory]
    [InlineData("127\n", ConfigfsStatus.Ok, ConfigfsWarnings.None)]
    [InlineData("128\n", ConfigfsStatus.Ok, ConfigfsWarnings.ItemBeyondKeyLimit)]
    [InlineData("129\n", ConfigfsStatus.TooManyItems, ConfigfsWarnings.None)]
    public void The_129th_item_is_a_warning_and_the_130th_a_refusal(string count, ConfigfsStatus expected, ConfigfsWarnings warnings)
    {
        File.WriteAllText(Path.Combine(_root, "count"), count);

        ConfigfsResult result = new ConfigfsClient(_root).AddKey(Uuid, Description);

        Assert.Equal(expected, result.Status);
        Assert.Equal(warnings, result.Warnings);
        Assert.Equal(expected == ConfigfsStatus.Ok, Directory.Exists(Path.Combine(_root, Uuid)));
    }

    [Fact]
    public void An_existing_item_is_refused_and_left_alone()
    {
        var client = new ConfigfsClient(_root);
        Assert.True(client.AddKey(Uuid, Description).Succeeded);

        ConfigfsResult again = client.AddKey(Uuid, "cryptsetup:other");

        Assert.Equal(ConfigfsStatus.ItemExists, again.Status);
        Assert.Equal(Description + "\n", File.ReadAllText(Path.Combine(_root, Uuid, "description")));
    }

    [Fact]
    public void A_missing_root_is_reported_and_never_created()
    {
        string missing = Path.Combine(_root, "not-mounted");

        ConfigfsResult result = new ConfigfsClient(missing).AddKey(Uuid, Description);

        Assert.Equal(ConfigfsStatus.RootNotFound, result.Status);
        Assert.Equal(LinuxErrno.ENOENT, result.Errno);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void A_failed_description_write_removes_the_item_again_when_description_is_a_directory()
    {
        var client = new ConfigfsClient(new SabotagedBackend(_root, item => Directory.CreateDirectory(Path.Combine(item, "description"))));

        ConfigfsResult result = client.AddKey(Uuid, Description);

        Assert.False(result.Succeeded);
        Assert.NotEqual(LinuxErrno.None, result.Errno);
        Assert.Equal((ConfigfsOperation.WriteDescription, Uuid, LinuxErrno.None), (result.Operation, result.Item, result.RollbackErrno));
        Assert.False(Directory.Exists(Path.Combine(_root, Uuid)));
    }

    [Fact]
    public void A_symbolic_link_planted_as_the_description_is_not_written_through()
    {
        // Issue 12: with a root writable by others, a link in place of description once sent the key name to its target.
        string target = Path.Combine(_root, "target");
        File.WriteAllText(target, "untouched");
        var client = new ConfigfsClient(new SabotagedBackend(_root, item => File.CreateSymbolicLink(Path.Combine(item, "description"), target)));

        ConfigfsResult result = client.AddKey(Uuid, Description);

        Assert.Equal(ConfigfsStatus.IoError, result.Status);
        Assert.Equal(LinuxErrno.ELOOP, result.Errno);
        Assert.Equal((ConfigfsOperation.WriteDescription, Uuid, LinuxErrno.None, ConfigfsWarnings.None), (result.Operation, result.Item, result.RollbackErrno, result.Warnings));
        Assert.Equal("CDC310", result.Code);
        Assert.False(Directory.Exists(Path.Combine(_root, Uuid)));
        Assert.Equal("untouched", File.ReadAllText(target));
    }

    [Fact]
    public void A_symbolic_link_in_place_of_a_root_attribute_is_neither_read_nor_written()
    {
        string target = Path.Combine(_root, "target");
        File.WriteAllText(target, "1\n");
        File.Delete(Path.Combine(_root, "reuse"));
        File.CreateSymbolicLink(Path.Combine(_root, "reuse"), target);
        var client = new ConfigfsClient(_root);

        Assert.Equal(LinuxErrno.ELOOP, client.ReadReuse().Result.Errno);
        Assert.Equal(LinuxErrno.ELOOP, client.WriteReuse(false).Errno);
        Assert.Equal("1\n", File.ReadAllText(target));
    }

    [Fact]
    public async Task A_fifo_in_place_of_count_does_not_block()
    {
        string count = Path.Combine(_root, "count");
        File.Delete(count);
        Assert.Equal(0, MakeFifo(count));
        var client = new ConfigfsClient(_root);

        // A hang guard, not a timing assertion: before the fix this read never returned.
        ConfigfsResult<int> read = await Task.Run(client.ReadCount).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(read.Succeeded, $"{read.Status} {read.Result.Errno}");
        Assert.Equal(ConfigfsOperation.ReadCount, read.Result.Operation);

        ConfigfsResult add = await Task.Run(() => client.AddKey(Uuid, Description)).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(add.Succeeded);
        Assert.False(Directory.Exists(Path.Combine(_root, Uuid)));
    }

    [Fact]
    public void An_attribute_is_read_with_a_bound_of_one_page()
    {
        File.WriteAllText(Path.Combine(_root, "count"), new string('1', 1 << 20));
        ConfigfsResult<int> count = new ConfigfsClient(_root).ReadCount();
        Assert.Equal(ConfigfsStatus.Unreadable, count.Status);
        Assert.Equal(LinuxErrno.None, count.Result.Errno);
    }

    [Fact]
    public void Mkdir_fails_on_any_existing_name_and_never_creates_the_root()
    {
        var backend = new DirectoryConfigfsBackend(_root);
        File.WriteAllText(Path.Combine(_root, "file"), string.Empty);
        Assert.Equal(LinuxErrno.EEXIST, backend.MakeItem("file"));
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_root, "nowhere"));
        Assert.Equal(LinuxErrno.EEXIST, backend.MakeItem("dangling"));
        Assert.False(Directory.Exists(Path.Combine(_root, "nowhere")));

        string missing = Path.Combine(_root, "missing-root");
        Assert.Equal(LinuxErrno.ENOENT, new DirectoryConfigfsBackend(missing).MakeItem("a"));
        Assert.False(Directory.Exists(missing));
    }

    // mkfifo(1), as the other suites make FIFOs: native imports live only in src/Common/Interop/Linux.
    private static int MakeFifo(string path)
    {
        using Process mkfifo = Process.Start("mkfifo", [path]) ?? throw new InvalidOperationException("mkfifo");
        mkfifo.WaitForExit();
        return mkfifo.ExitCode;
    }

    public static TheoryData<LinuxErrno, ConfigfsStatus> KernelErrnos => new()
    {
        { LinuxErrno.EINVAL, ConfigfsStatus.KernelRefused },
        { LinuxErrno.ENOMEM, ConfigfsStatus.OutOfMemory },
        { LinuxErrno.EEXIST, ConfigfsStatus.ItemExists },
        { LinuxErrno.EACCES, ConfigfsStatus.PermissionDenied },
        { LinuxErrno.EPERM, ConfigfsStatus.PermissionDenied },
        { LinuxErrno.ENOENT, ConfigfsStatus.NotFound },
        { LinuxErrno.EIO, ConfigfsStatus.IoError },
    };

    [Theory]
    [MemberData(nameof(KernelErrnos))]
    public void A_refused_description_write_names_the_key_the_step_and_the_errno(LinuxErrno errno, ConfigfsStatus expected)
    {
        var backend = new FailingBackend(_root) { DescriptionError = errno };

        ConfigfsResult result = new ConfigfsClient(backend).AddKey(Uuid, Description);

        Assert.Equal(expected, result.Status);
        Assert.Equal(errno, result.Errno);
        Assert.Equal((ConfigfsOperation.WriteDescription, Uuid), (result.Operation, result.Item));
        Assert.Equal($"CDC{(int)expected}", result.Code);
        Assert.False(Directory.Exists(Path.Combine(_root, Uuid)));
    }

    [Fact]
    public void A_rollback_that_fails_is_reported_as_a_warning()
    {
        var backend = new FailingBackend(_root) { DescriptionError = LinuxErrno.EINVAL, RemoveError = LinuxErrno.EBUSY };

        ConfigfsResult result = new ConfigfsClient(backend).AddKey(Uuid, Description);

        Assert.Equal(ConfigfsStatus.KernelRefused, result.Status);
        Assert.Equal(ConfigfsWarnings.RollbackFailed, result.Warnings);
        Assert.Equal(LinuxErrno.EBUSY, result.RollbackErrno);
    }

    [Theory]
    [InlineData(LinuxErrno.EINVAL, ConfigfsStatus.KernelRefused)]
    [InlineData(LinuxErrno.ENOMEM, ConfigfsStatus.OutOfMemory)]
    [InlineData(LinuxErrno.EACCES, ConfigfsStatus.PermissionDenied)]
    public void A_refused_mkdir_names_the_key_and_the_errno(LinuxErrno errno, ConfigfsStatus expected)
    {
        ConfigfsResult result = new ConfigfsClient(new FailingBackend(_root) { MakeError = errno }).AddKey(Uuid, Description);

        Assert.Equal(expected, result.Status);
        Assert.Equal(errno, result.Errno);
        Assert.Equal((ConfigfsOperation.MakeItem, Uuid), (result.Operation, result.Item));
    }

    [Fact]
    public void Remove_deletes_the_imitation_items_description_then_the_directory()
    {
        var client = new ConfigfsClient(_root);
        Assert.True(client.AddKey(Uuid, Description).Succeeded);
        Assert.True(client.AddKey("other", "cryptsetup:other").Succeeded);

        Assert.Equal(new ConfigfsResult { Item = Uuid }, client.RemoveKey(Uuid));
        Assert.False(Directory.Exists(Path.Combine(_root, Uuid)));
        Assert.Equal(ConfigfsStatus.NotFound, client.RemoveKey(Uuid).Status);
        Assert.Equal(["other"], client.ListKeys().Value.Select(i => i.Name));
    }

    [Fact]
    public void Remove_leaves_an_item_holding_anything_but_its_description()
    {
        string item = Directory.CreateDirectory(Path.Combine(_root, "k")).FullName;
        File.WriteAllText(Path.Combine(item, "notes"), "keep me");

        ConfigfsResult result = new ConfigfsClient(_root).RemoveKey("k");

        Assert.Equal(ConfigfsStatus.IoError, result.Status);
        Assert.Equal(LinuxErrno.ENOTEMPTY, result.Errno);
        Assert.True(File.Exists(Path.Combine(item, "notes")));
    }

    [Fact]
    public void List_reads_unset_descriptions_as_null_and_sorts_by_name()
    {
        Directory.CreateDirectory(Path.Combine(_root, "b"));
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        File.WriteAllText(Path.Combine(_root, "a", "description"), "(null)\n");
        Directory.CreateDirectory(Path.Combine(_root, "c"));
        File.WriteAllText(Path.Combine(_root, "c", "description"), "x:y\n");

        Assert.Equal(
            [new ConfigfsKeyItem("a", null), new ConfigfsKeyItem("b", null), new ConfigfsKeyItem("c", "x:y")],
            new ConfigfsClient(_root).ListKeys().Value);
    }

    [Theory]
    [InlineData("3\n", ConfigfsStatus.Ok, 3)]
    [InlineData("0", ConfigfsStatus.Ok, 0)]
    [InlineData("-1\n", ConfigfsStatus.Unreadable, 0)]
    [InlineData("three\n", ConfigfsStatus.Unreadable, 0)]
    public void Count_reads_the_kernels_decimal(string text, ConfigfsStatus expected, int count)
    {
        File.WriteAllText(Path.Combine(_root, "count"), text);
        ConfigfsResult<int> result = new ConfigfsClient(_root).ReadCount();
        Assert.Equal(expected, result.Status);
        Assert.Equal(count, result.Value);
    }

    [Fact]
    public void Reuse_and_restore_are_written_whole_and_read_as_the_kernel_prints_them()
    {
        var client = new ConfigfsClient(_root);
        Assert.False(client.ReadReuse().Value);
        Assert.True(client.WriteReuse(true).Succeeded);
        Assert.Equal("1\n", File.ReadAllText(Path.Combine(_root, "reuse")));
        Assert.True(client.ReadReuse().Value);
        File.WriteAllText(Path.Combine(_root, "reuse"), "2\n");
        Assert.Equal(ConfigfsStatus.Unreadable, client.ReadReuse().Status);

        // restore exists only in the kdump kernel's directory.
        Assert.Equal(ConfigfsStatus.NotFound, client.Restore().Status);
        File.WriteAllText(Path.Combine(_root, "restore"), "1\n");
        ConfigfsResult restored = client.Restore();
        Assert.Equal(ConfigfsWarnings.RestoreAlreadyDone, restored.Warnings);
        Assert.Equal("yes\n", File.ReadAllText(Path.Combine(_root, "restore")));
    }

    /// <summary>The real directory backend, with something done to the new item between mkdir and the write.</summary>
    private sealed class SabotagedBackend(string root, Action<string> afterMkdir) : IConfigfsBackend
    {
        private readonly DirectoryConfigfsBackend _inner = new(root);

        public string DisplayName => _inner.DisplayName;

        public LinuxErrno MakeItem(string name)
        {
            LinuxErrno made = _inner.MakeItem(name);
            afterMkdir(Path.Combine(root, name));
            return made;
        }

        public LinuxErrno RemoveItem(string name) => _inner.RemoveItem(name);

        public LinuxErrno ListItems(ICollection<string> names) => _inner.ListItems(names);

        public LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value) => _inner.WriteAttribute(item, attribute, value);

        public LinuxErrno ReadAttribute(string? item, string attribute, out string value) => _inner.ReadAttribute(item, attribute, out value);
    }

    /// <summary>The real directory backend, with chosen errnos injected as a kernel would return them.</summary>
    private sealed class FailingBackend(string root) : IConfigfsBackend
    {
        private readonly DirectoryConfigfsBackend _inner = new(root);

        public LinuxErrno MakeError { get; init; }

        public LinuxErrno DescriptionError { get; init; }

        public LinuxErrno RemoveError { get; init; }

        public string DisplayName => _inner.DisplayName;

        public LinuxErrno MakeItem(string name) => MakeError != LinuxErrno.None ? MakeError : _inner.MakeItem(name);

        public LinuxErrno RemoveItem(string name) => RemoveError != LinuxErrno.None ? RemoveError : _inner.RemoveItem(name);

        public LinuxErrno ListItems(ICollection<string> names) => _inner.ListItems(names);

        public LinuxErrno WriteAttribute(string? item, string attribute, ReadOnlySpan<byte> value) =>
            item is not null && DescriptionError != LinuxErrno.None ? DescriptionError : _inner.WriteAttribute(item, attribute, value);

        public LinuxErrno ReadAttribute(string? item, string attribute, out string value) => _inner.ReadAttribute(item, attribute, out value);
    }
}
