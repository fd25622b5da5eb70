using System.Text.Json;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Cli.Tests;

/// <summary>
/// <c>provision</c> with real logon keys in a private session keyring (the command runs on the session's thread,
/// where that session is "the caller's keyrings") and a temporary directory standing in for configfs.
/// </summary>
public sealed class ProvisionCommandTests : IDisposable
{
    private const string Prefix = "kdump-cryptsetup:vk-";
    private readonly TempDirectory _dir = new();
    private readonly PrivateKeyringSession? _session;
    private readonly string _first = Guid.NewGuid().ToString();
    private readonly string _second = Guid.NewGuid().ToString();

    public ProvisionCommandTests()
    {
        File.WriteAllText(_dir["count"], "0\n");
        File.WriteAllText(_dir["reuse"], "0\n");
        if (KernelKeyring.Probe().Succeeded)
        {
            Assert.True(PrivateKeyringSession.Open(out _session).Succeeded);
        }
    }

    private PrivateKeyringSession Session => _session ?? throw new InvalidOperationException("no keyring here");

    public void Dispose()
    {
        _session?.Dispose();
        _dir.Dispose();
    }

    [ProvisionKeyringFact]
    public void Every_key_found_gets_its_timeout_and_its_configfs_item()
    {
        KeySerial first = AddLogonKey(_first);
        KeySerial second = AddLogonKey(_second);

        CliResult result = Provision(_first, _second);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Equal(
            [
                $"provisioned {_first}: logon key {first} '{Prefix}{_first}', expires in 300 s, item {_dir.Path}/{_first}",
                $"provisioned {_second}: logon key {second} '{Prefix}{_second}', expires in 300 s, item {_dir.Path}/{_second}",
            ],
            result.OutputLines);
        Assert.Equal(Prefix + _first + "\n", File.ReadAllText(Path.Combine(_dir.Path, _first, "description")));
        Assert.Equal(Prefix + _second + "\n", File.ReadAllText(Path.Combine(_dir.Path, _second, "description")));

        // The key now has a timeout: /proc/keys (read in the session that possesses it) shows it in the fourth
        // column, "perm" for none.
        string serial = first.Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        string[] row = Session.Invoke(() => File.ReadAllLines("/proc/keys"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(columns => columns[0] == serial);
        Assert.Matches("^[45]m$", row[3]);
    }

    [ProvisionKeyringFact]
    public void The_timeout_is_the_real_kernel_timeout()
    {
        KeySerial key = AddLogonKey(_first);

        CliResult result = Provision("--timeout", "1", _first);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("expires in 1 s", result.Output, StringComparison.Ordinal);

        // The kernel expires the key (wait up to 10 s); a second provision then names the reason.
        KeyringResult<KeySerial> searched = Session.Search(Session.Keyring, KeyType.Logon, Prefix + _first);
        for (int i = 0; i < 100 && searched.Succeeded; i++)
        {
            Thread.Sleep(100);
            searched = Session.Search(Session.Keyring, KeyType.Logon, Prefix + _first);
        }

        Assert.Equal(KeyringStatus.KeyExpired, searched.Status);
        Directory.Delete(_dir[_first], recursive: true);

        CliResult again = Provision(_first);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal(
            $"provision: {_first}: logon key '{Prefix}{_first}': request_key says ENOKEY, keyctl search finds it: CDC503 EKEYEXPIRED (key has expired): the key has expired",
            Assert.Single(again.ErrorLines));
        Assert.False(Directory.Exists(_dir[_first]));
        Assert.True(key.Value > 0);
    }

    [ProvisionKeyringFact]
    public void A_missing_key_refuses_the_whole_run_before_anything_is_written()
    {
        KeySerial first = AddLogonKey(_first);

        CliResult result = Provision(_first, _second);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(
            $"provision: {_second}: logon key '{Prefix}{_second}': CDC502 ENOKEY (required key not available): no such key in the caller's keyrings",
            Assert.Single(result.ErrorLines));
        Assert.Equal(["count", "reuse"], _dir.FileNames());

        // The first key's timeout was not touched either: it still never expires.
        Assert.Equal(KeyringStatus.Ok, Session.Search(Session.Keyring, KeyType.Logon, Prefix + _first).Status);
        Assert.True(first.Value > 0);
    }

    [ProvisionKeyringFact]
    public void A_revoked_key_is_named_as_revoked()
    {
        KeySerial key = AddLogonKey(_first);
        Assert.True(Session.Revoke(key).Succeeded);

        CliResult result = Provision(_first);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("CDC504 EKEYREVOKED", result.Error, StringComparison.Ordinal);
    }

    [ProvisionKeyringFact]
    public void A_configfs_failure_part_way_removes_the_items_this_run_created()
    {
        AddLogonKey(_first);
        AddLogonKey(_second);

        // A file where the second item's directory would go: the listing (directories only) misses it, mkdir fails with EEXIST.
        File.WriteAllText(_dir[_second], "in the way");

        CliResult result = Provision(_first, _second);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            [
                $"provision: {_second}: key '{_second}': cannot create the item: EEXIST (file exists) [CDC304]",
                "provision: removed 1 item(s) created by this run",
            ],
            result.ErrorLines);
        Assert.Empty(result.Output);
        Assert.Equal(new[] { "count", "reuse", _second }.Order(StringComparer.Ordinal), _dir.FileNames());
        Assert.True(File.Exists(_dir[_second]), "the file in the way is not the run's to remove");
    }

    [ProvisionKeyringFact]
    public void A_configfs_failure_part_way_leaves_every_keys_timeout_as_it_was()
    {
        // All or nothing includes the timeouts (issue 20 defect 7): the first key never expired before the run, and does not after.
        KeySerial first = AddLogonKey(_first);
        AddLogonKey(_second);
        File.WriteAllText(_dir[_second], "in the way");

        CliResult result = Provision(_first, _second);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("perm", ProcKeysTimeout(first));
    }

    // The fourth column of the key's /proc/keys row (read in the session that possesses it): "perm" for no expiry.
    private string ProcKeysTimeout(KeySerial key)
    {
        string serial = key.Value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        return Session.Invoke(() => File.ReadAllLines("/proc/keys"))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(columns => columns[0] == serial)[3];
    }

    [ProvisionKeyringFact]
    public void An_item_left_from_before_is_refused_before_anything_is_written()
    {
        AddLogonKey(_first);
        AddLogonKey(_second);
        Directory.CreateDirectory(_dir[_second]);

        CliResult result = Provision(_first, _second);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"provision: {_second}: configfs item {_dir.Path}/{_second} already exists", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir[_first]));
    }

    [ProvisionKeyringFact]
    public void More_than_128_keys_in_all_are_refused()
    {
        AddLogonKey(_first);
        File.WriteAllText(_dir["count"], "128\n");
        for (int i = 0; i < 128; i++)
        {
            Directory.CreateDirectory(_dir["old" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        CliResult result = Provision(_first);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("128 items exist and 1 more would make 129", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir[_first]));
    }

    [ProvisionKeyringFact]
    public void Dry_run_checks_everything_and_changes_nothing()
    {
        KeySerial key = AddLogonKey(_first);

        CliResult result = Provision("--dry-run", _first);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            $"checked {_first}: logon key {key} '{Prefix}{_first}' found; would set expires in 300 s and create item {_dir.Path}/{_first}",
            Assert.Single(result.OutputLines));
        Assert.Equal(["count", "reuse"], _dir.FileNames());
    }

    [ProvisionKeyringFact]
    public void Reuse_1_means_nothing_to_do_as_in_kdumpctl()
    {
        File.WriteAllText(_dir["reuse"], "1\n");

        CliResult result = Provision(_first);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("reuse reads 1:", Assert.Single(result.OutputLines), StringComparison.Ordinal);
        Assert.Equal(["count", "reuse"], _dir.FileNames());
    }

    [ProvisionKeyringFact]
    public void Json_reports_each_volume()
    {
        KeySerial key = AddLogonKey(_first);

        CliResult result = Provision("--json", "--prefix", "svc:", "--timeout", "60", _first, _second);

        Assert.Equal(1, result.ExitCode);
        using JsonDocument document = JsonDocument.Parse(result.Output);
        JsonElement root = document.RootElement;
        Assert.Equal("refused", root.GetProperty("status").GetString());
        Assert.False(root.GetProperty("dryRun").GetBoolean());
        Assert.Equal(60, root.GetProperty("timeout").GetInt32());
        JsonElement[] volumes = [.. root.GetProperty("volumes").EnumerateArray()];
        Assert.Equal(2, volumes.Length);

        // The key under prefix "svc:" does not exist; the one under the kdump-utils prefix is not looked at.
        Assert.Equal(_first, volumes[0].GetProperty("uuid").GetString());
        Assert.Equal("svc:" + _first, volumes[0].GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, volumes[0].GetProperty("key").ValueKind);
        Assert.Equal("refused", volumes[0].GetProperty("state").GetString());
        Assert.Equal("CDC502", volumes[0].GetProperty("code").GetString());
        Assert.Equal("refused", volumes[1].GetProperty("state").GetString());
        Assert.True(key.Value > 0);
    }

    [ProvisionKeyringFact]
    public void Json_on_success_gives_the_key_serials()
    {
        KeySerial key = AddLogonKey(_first);

        CliResult result = Provision("--json", _first);

        Assert.True(result.ExitCode == 0, result.ToString());
        using JsonDocument document = JsonDocument.Parse(result.Output);
        Assert.Equal("provisioned", document.RootElement.GetProperty("status").GetString());
        JsonElement volume = Assert.Single(document.RootElement.GetProperty("volumes").EnumerateArray().ToArray());
        Assert.Equal(key.Value, volume.GetProperty("key").GetInt32());
        Assert.Equal("provisioned", volume.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, volume.GetProperty("code").ValueKind);
    }

    [ProvisionKeyringFact]
    public void The_callers_keyrings_are_where_keys_are_looked_up()
    {
        AddLogonKey(_first);

        // The test's own thread is not in the private session, so for it the key does not exist.
        CliResult result = CliRunner.Run("provision", "--root", _dir.Path, _first);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("ENOKEY", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "not-a-uuid" }, "'not-a-uuid' is not a LUKS UUID")]
    [InlineData(new[] { "7d26b7b4-e342-4d2d-b660-7426b0996720", "7D26B7B4-E342-4D2D-B660-7426B0996720" }, "is given twice")]
    [InlineData(new[] { "--prefix", "nocolon-", "7d26b7b4-e342-4d2d-b660-7426b0996720" }, "the description is not 'prefix:rest'")]
    [InlineData(new[] { "--timeout", "-1", "7d26b7b4-e342-4d2d-b660-7426b0996720" }, "for option '--timeout'")]
    public void Usage_errors_exit_2_and_touch_nothing(string[] arguments, string message)
    {
        CliResult result = CliRunner.Run(["provision", "--root", _dir.Path, .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(["count", "reuse"], _dir.FileNames());
    }

    [Fact]
    public void No_uuid_is_a_usage_error() =>
        Assert.Equal(2, CliRunner.Run("provision", "--root", _dir.Path).ExitCode);

    [ProvisionKeyringFact]
    public void A_missing_configfs_directory_is_an_io_error()
    {
        CliResult result = CliRunner.Run("provision", "--root", _dir["absent"], _first);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("provision: cannot read reuse: ENOENT (no such file or directory) [CDC305]", Assert.Single(result.ErrorLines));
    }

    private CliResult Provision(params string[] arguments) =>
        Session.Invoke(() => CliRunner.Run(["provision", "--root", _dir.Path, .. arguments]));

    private KeySerial AddLogonKey(string uuid)
    {
        // A stand-in volume key: a fixed pattern, not a secret.
        byte[] key = [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 7))];
        KeyringResult<KeySerial> added = Session.AddKey(KeyType.Logon, Prefix + uuid, key);
        Assert.True(added.Succeeded, added.Result.ToString());
        return added.Value;
    }
}

/// <summary>A fact that needs the kernel keyring; skipped, with the reason, where the kernel has none or a filter blocks it.</summary>
public sealed class ProvisionKeyringFactAttribute : FactAttribute
{
    public ProvisionKeyringFactAttribute()
    {
        KeyringResult probe = KernelKeyring.Probe();
        if (!probe.Succeeded)
        {
            Skip = $"the kernel keyring is not usable here: {probe}";
        }
    }
}
