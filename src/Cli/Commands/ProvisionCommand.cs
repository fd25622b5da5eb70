using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;
using CrashDmCrypt.Kernel;
using CrashDmCrypt.Kernel.Configfs;
using CrashDmCrypt.Kernel.Keyring;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>provision [--root DIR] [--prefix P] [--timeout SECONDS] [--dry-run] [--json] UUID...</c>: the typed form of
/// kdump-utils' <c>kdumpctl prepare_luks</c>, for the first kernel. For each LUKS UUID it finds the logon key
/// <c>P&lt;UUID&gt;</c> in the caller's keyrings (<c>request_key</c>, the same lookup the kernel's
/// <c>build_keys_header</c> makes at load time), sets its timeout, and creates the configfs item <c>&lt;UUID&gt;</c>
/// with that description. Every key is found before anything is written, and a failure part way removes the
/// items this run created, so nothing is left half done. Exit 0 when every UUID is provisioned (or checked,
/// with <c>--dry-run</c>, or nothing is to be done because <c>reuse</c> reads 1); 1 when a key is missing,
/// expired or revoked, or the kernel refused a configfs step; 2 on a usage error, no keyring support, or an
/// I/O or permission error.
/// </summary>
internal static class ProvisionCommand
{
    /// <summary>kdump-utils' key prefix (earlier releases used <c>systemd-cryptsetup:vk-</c>).</summary>
    public const string DefaultPrefix = "kdump-cryptsetup:vk-";

    /// <summary>kdump-utils' timeout: the logon key expires 5 minutes after provisioning.</summary>
    public const uint DefaultTimeoutSeconds = 300;

    public static Command Create()
    {
        var root = new Option<string>("--root")
        {
            Description = "The crash_dm_crypt_keys directory; a temporary directory with count and reuse files imitates it for tests.",
            HelpName = "DIR",
            DefaultValueFactory = _ => ConfigfsAttributes.DefaultRoot,
        };
        var prefix = new Option<string>("--prefix")
        {
            Description = "Key description prefix: a volume's logon key is PREFIX<UUID>, as in kdump-utils.",
            HelpName = "PREFIX",
            DefaultValueFactory = _ => DefaultPrefix,
        };
        var timeout = new Option<uint>("--timeout")
        {
            Description = "Seconds until each logon key expires, as kdump-utils sets them; 0 removes the expiry, as 'keyctl timeout ID 0' does.",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        var dryRun = new Option<bool>("--dry-run")
        {
            Description = "Check the keys and the configfs directory, change nothing.",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print one JSON object: {\"status\", \"dryRun\", \"timeout\", \"volumes\": [{\"uuid\", \"description\", \"key\", \"state\", \"code\", \"message\"}], \"errors\"}.",
        };
        var uuids = new Argument<string[]>("UUID")
        {
            Description = "LUKS UUIDs of the dump target's volumes (8-4-4-4-12 hex digits).",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command(
            "provision",
            "First kernel: find each volume's logon key in the caller's keyrings, set its timeout and name it in configfs, as kdumpctl prepare_luks does; all or nothing.")
        {
            root, prefix, timeout, dryRun, json, uuids,
        };
        command.SetAction(parse =>
        {
            string directory = parse.GetValue(root) ?? ConfigfsAttributes.DefaultRoot;
            directory = directory.Length == 0 ? ConfigfsAttributes.DefaultRoot : directory;
            var run = new ProvisionRun(
                new ConfigfsClient(directory),
                directory,
                parse.GetValue(prefix) ?? DefaultPrefix,
                parse.GetValue(timeout),
                parse.GetValue(dryRun));
            int exitCode = run.Execute(parse.GetValue(uuids) ?? []);
            run.Report(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, parse.GetValue(json));
            return exitCode;
        });
        return command;
    }

    /// <summary>Where one volume got to.</summary>
    private enum VolumeState
    {
        /// <summary>Nothing done for it (the run stopped before, or at another volume).</summary>
        Untouched,

        /// <summary>Its key was found (and, in a dry run, the item could be created).</summary>
        Checked,

        /// <summary>Its key's timeout was set and its item created.</summary>
        Provisioned,

        /// <summary>Its item was created, then removed again because a later step failed.</summary>
        Removed,

        /// <summary>This volume's key or item failed.</summary>
        Refused,
    }

    private sealed class Volume(string uuid, string description)
    {
        public string Uuid { get; } = uuid;

        public string Description { get; } = description;

        public KeySerial Key { get; set; }

        public VolumeState State { get; set; }

        public string? Code { get; set; }

        public string? Message { get; set; }

        public List<string> Warnings { get; } = [];

        /// <summary>This run created the volume's configfs item.</summary>
        public bool ItemCreated { get; set; }

        /// <summary>This run set the key's timeout.</summary>
        public bool TimeoutSet { get; set; }

        /// <summary>The key's timeout before this run, in seconds (0: none), as /proc/keys showed it; null when unknown.</summary>
        public uint? PreviousTimeout { get; set; }
    }

    /// <summary>One run: the checks, then the writes, then the report. Only the report writes words.</summary>
    private sealed class ProvisionRun(ConfigfsClient client, string root, string prefix, uint timeout, bool dryRun)
    {
        private readonly List<Volume> _volumes = [];
        private readonly List<string> _errors = [];
        private string _status = "error";

        private string Root => root;

        public int Execute(IReadOnlyList<string> uuids)
        {
            if (!TryPrepare(uuids))
            {
                return Program.ExitUsage;
            }

            KeyringResult probe = KernelKeyring.Probe();
            if (!probe.Succeeded)
            {
                _errors.Add($"the kernel keyring is not usable here: {KeyringText.Describe(probe)}");
                return Program.ExitUsage;
            }

            // kdumpctl prepare_luks: when reuse reads 1 the blob in reserved memory is reused; nothing to do.
            ConfigfsResult<bool> reuse = client.ReadReuse();
            if (!reuse.Succeeded)
            {
                // No readable reuse: configfs is not mounted, or the kernel lacks CONFIG_CRASH_DM_CRYPT.
                _errors.Add(ConfigfsText.Describe(reuse.Result, Root));
                return Program.ExitUsage;
            }

            if (reuse.Value)
            {
                _status = "reused";
                return Program.ExitOk;
            }

            int configfsCheck = CheckConfigfs();
            if (configfsCheck != Program.ExitOk)
            {
                return configfsCheck;
            }

            // Every key is found before anything changes, so a missing one leaves keys and configfs as they were.
            foreach (Volume volume in _volumes)
            {
                FindKey(volume);
            }

            if (_volumes.Any(v => v.State == VolumeState.Refused))
            {
                _status = "refused";
                return Program.ExitInvalid;
            }

            if (dryRun)
            {
                _status = "checked";
                return Program.ExitOk;
            }

            return Provision();
        }

        public void Report(TextWriter output, TextWriter error, bool asJson)
        {
            foreach (Volume volume in _volumes)
            {
                foreach (string warning in volume.Warnings)
                {
                    error.WriteLine($"provision: {volume.Uuid}: warning: {warning}");
                }

                if (volume.State == VolumeState.Refused)
                {
                    error.WriteLine($"provision: {volume.Uuid}: {volume.Message}");
                }
            }

            foreach (string line in _errors)
            {
                error.WriteLine($"provision: {line}");
            }

            if (asJson)
            {
                WriteJson(output);
                return;
            }

            foreach (Volume volume in _volumes)
            {
                string? line = volume.State switch
                {
                    VolumeState.Provisioned => $"provisioned {volume.Uuid}: logon key {volume.Key} '{volume.Description}', {Expiry()}, item {Root}/{volume.Uuid}",
                    VolumeState.Checked when _status == "checked" => $"checked {volume.Uuid}: logon key {volume.Key} '{volume.Description}' found; would set {Expiry()} and create item {Root}/{volume.Uuid}",
                    _ => null,
                };
                if (line is not null)
                {
                    output.WriteLine(line);
                }
            }

            if (_status == "reused")
            {
                output.WriteLine("reuse reads 1: the crash kernel reuses the keys saved in reserved memory; nothing to provision (as kdumpctl prepare_luks)");
            }
        }

        private bool TryPrepare(IReadOnlyList<string> uuids)
        {
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (string uuid in uuids)
            {
                if (!Guid.TryParseExact(uuid, "D", out _))
                {
                    _errors.Add($"'{uuid}' is not a LUKS UUID (8-4-4-4-12 hex digits)");
                    continue;
                }

                if (!seen.Add(uuid))
                {
                    _errors.Add($"{uuid} is given twice");
                    continue;
                }

                string description = prefix + uuid;
                ConfigfsResult checkedDescription = ConfigfsClient.CheckDescription(description);

                // Strict: what the kernel would accept but then fail on (a 128-byte description, no 'prefix:') is refused here.
                if (!checkedDescription.Succeeded || checkedDescription.Warnings != ConfigfsWarnings.None)
                {
                    string why = checkedDescription.Succeeded
                        ? string.Join("; ", ConfigfsText.DescribeWarnings(checkedDescription.Warnings))
                        : ConfigfsText.Describe(checkedDescription, Root);
                    _errors.Add($"{uuid}: logon key description '{description}': {why}");
                    continue;
                }

                _volumes.Add(new Volume(uuid, description));
            }

            return _errors.Count == 0;
        }

        private int CheckConfigfs()
        {
            ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> items = client.ListKeys();
            if (!items.Succeeded)
            {
                _errors.Add(ConfigfsText.Describe(items.Result, Root));
                return Program.ExitUsage;
            }

            var existing = new HashSet<string>(items.Value.Select(i => i.Name), StringComparer.Ordinal);
            foreach (Volume volume in _volumes.Where(v => existing.Contains(v.Uuid)))
            {
                Refuse(volume, string.Empty, $"configfs item {Root}/{volume.Uuid} already exists (left from an earlier load?); remove it first");
            }

            // kdump refuses a blob of more than 128 keys, although configfs accepts a 129th item.
            int total = items.Value.Count + _volumes.Count;
            if (total > KeyBlobLayout.MaxKeys)
            {
                _errors.Add(string.Create(CultureInfo.InvariantCulture, $"{items.Value.Count} items exist and {_volumes.Count} more would make {total}: the kdump kernel restores no blob of more than {KeyBlobLayout.MaxKeys} keys"));
            }

            if (_errors.Count > 0 || _volumes.Any(v => v.State == VolumeState.Refused))
            {
                _status = "refused";
                return Program.ExitInvalid;
            }

            return Program.ExitOk;
        }

        private static void FindKey(Volume volume)
        {
            KeyringResult<KeySerial> found = KernelKeyring.RequestKey(KeyType.Logon, volume.Description);
            if (found.Succeeded)
            {
                volume.Key = found.Value;
                volume.State = VolumeState.Checked;
                return;
            }

            KeyringResult why = found.Status == KeyringStatus.KeyNotFound ? Diagnose(volume.Description) : found.Result;
            string lookup = why.Errno == found.Errno ? string.Empty : $"request_key says {LinuxErrors.GetName(found.Errno)}, keyctl search finds it: ";
            Refuse(volume, why.Code, $"logon key '{volume.Description}': {lookup}{KeyringText.Describe(why)}");
        }

        /// <summary>
        /// request_key passes over expired keys (KEYRING_SEARCH_SKIP_EXPIRED) and says ENOKEY, as it does in the
        /// kernel's own load (a revoked key it reports as EKEYREVOKED); KEYCTL_SEARCH does not skip them, so it
        /// tells "expired" from "missing".
        /// </summary>
        private static KeyringResult Diagnose(string description)
        {
            foreach (KeySerial keyring in (ReadOnlySpan<KeySerial>)[KeySerial.ThreadKeyring, KeySerial.ProcessKeyring, KeySerial.SessionKeyring])
            {
                KeyringResult<KeySerial> searched = KernelKeyring.Search(keyring, KeyType.Logon, description);
                if (searched.Status is KeyringStatus.KeyExpired or KeyringStatus.KeyRevoked)
                {
                    return searched.Result;
                }
            }

            return KeyringResult.FromErrno(LinuxErrno.ENOKEY);
        }

        // Items first, then timeouts: a configfs failure part way then leaves every key as it was, and a timeout failure
        // puts the earlier keys' timeouts back (all or nothing includes the timeouts).
        private int Provision()
        {
            foreach (Volume volume in _volumes)
            {
                ConfigfsResult added = client.AddKey(volume.Uuid, volume.Description);
                volume.Warnings.AddRange(ConfigfsText.DescribeWarnings(added.Warnings));
                if (!added.Succeeded)
                {
                    Refuse(volume, string.Empty, ConfigfsText.Describe(added, Root));
                    return RollBack(ConfigfsCommand.ExitCode(added.Status));
                }

                volume.ItemCreated = true;
            }

            foreach (Volume volume in _volumes)
            {
                volume.PreviousTimeout = ReadTimeout(volume.Key);
                KeyringResult timed = KernelKeyring.SetTimeout(volume.Key, timeout);
                if (!timed.Succeeded)
                {
                    Refuse(volume, timed.Code, $"cannot set the timeout of logon key {volume.Key} '{volume.Description}': {KeyringText.Describe(timed)}");
                    return RollBack(Program.ExitInvalid);
                }

                volume.TimeoutSet = true;
            }

            foreach (Volume volume in _volumes)
            {
                volume.State = VolumeState.Provisioned;
            }

            _status = "provisioned";
            return Program.ExitOk;
        }

        private int RollBack(int exitCode)
        {
            _status = "refused";
            int removed = 0;
            foreach (Volume volume in Enumerable.Reverse(_volumes))
            {
                if (volume.TimeoutSet)
                {
                    // "perm" is restored exactly (timeout 0); a finite one to the whole unit /proc/keys shows, rounded down.
                    KeyringResult restored = volume.PreviousTimeout is uint seconds ? KernelKeyring.SetTimeout(volume.Key, seconds) : default;
                    if (volume.PreviousTimeout is null || !restored.Succeeded)
                    {
                        _errors.Add($"{volume.Uuid}: the timeout of logon key {volume.Key} could not be put back; check it with 'keyctl show'");
                    }
                }

                if (!volume.ItemCreated)
                {
                    continue;
                }

                ConfigfsResult result = client.RemoveKey(volume.Uuid);
                if (result.Succeeded)
                {
                    volume.State = VolumeState.Removed;
                    removed++;
                }
                else
                {
                    _errors.Add($"{volume.Uuid}: the item created by this run could not be removed; remove it by hand: {ConfigfsText.Describe(result, Root)}");
                }
            }

            _errors.Add(string.Create(CultureInfo.InvariantCulture, $"removed {removed} item(s) created by this run"));
            return exitCode;
        }

        // The key's timeout as /proc/keys shows it to its possessor (proc_keys_show: "perm", "expd", or a count of s, m, h,
        // d or w): 0 for "perm" (no expiry, what KEYCTL_SET_TIMEOUT 0 gives), the seconds of a finite one rounded down to
        // its unit, null when the row cannot be read or the key has expired.
        private static uint? ReadTimeout(KeySerial key)
        {
            try
            {
                string serial = key.Value.ToString("x8", CultureInfo.InvariantCulture);
                foreach (string line in File.ReadLines("/proc/keys"))
                {
                    string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (columns.Length > 3 && columns[0] == serial)
                    {
                        return ParseTimeout(columns[3]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            return null;
        }

        private static uint? ParseTimeout(string text)
        {
            if (text == "perm")
            {
                return 0;
            }

            uint unit = text.Length > 1 ? text[^1] switch { 's' => 1u, 'm' => 60u, 'h' => 3600u, 'd' => 86400u, 'w' => 604800u, _ => 0u } : 0u;
            return unit != 0 && uint.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out uint count) && count > 0
                ? (uint)Math.Min((ulong)count * unit, uint.MaxValue)
                : null;
        }

        private static void Refuse(Volume volume, string code, string message)
        {
            volume.State = VolumeState.Refused;
            volume.Code = code.Length == 0 ? null : code;
            volume.Message = message;
        }

        private string Expiry() => timeout == 0
            ? "no expiry"
            : string.Create(CultureInfo.InvariantCulture, $"expires in {timeout} s");

        private void WriteJson(TextWriter output)
        {
            using var document = new JsonOutput();
            Utf8JsonWriter json = document.Writer;
            json.WriteStartObject();
            json.WriteString("status", _status);
            json.WriteBoolean("dryRun", dryRun);
            json.WriteNumber("timeout", timeout);
            json.WriteStartArray("volumes");
            foreach (Volume volume in _volumes)
            {
                json.WriteStartObject();
                json.WriteString("uuid", volume.Uuid);
                json.WriteString("description", volume.Description);
                if (volume.Key == KeySerial.None)
                {
                    json.WriteNull("key");
                }
                else
                {
                    json.WriteNumber("key", volume.Key.Value);
                }

                json.WriteString("state", volume.State.ToString().ToLowerInvariant());
                json.WriteString("code", volume.Code);
                json.WriteString("message", volume.Message);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("errors");
            foreach (string error in _errors)
            {
                json.WriteStringValue(error);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            document.WriteTo(output);
        }
    }
}
