using System.CommandLine;
using System.Globalization;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Kernel.Configfs;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>configfs [--root DIR] add NAME DESCRIPTION | remove NAME | list | count | reuse [true|false] | restore [yes]</c>:
/// the <c>crash_dm_crypt_keys</c> configfs directory. Exit 0 on success; 1 when the kernel refused
/// (EINVAL, EEXIST, ENOENT, ...); 2 on a usage error, a value refused before anything was written, or an
/// I/O or permission error. Warnings (the 128-byte truncation, the 129th item) go to stderr and keep exit 0.
/// </summary>
internal static class ConfigfsCommand
{
    public static Command Create()
    {
        var root = new Option<string>("--root")
        {
            Description = $"The crash_dm_crypt_keys directory (default {ConfigfsAttributes.DefaultRoot}); a temporary directory imitates it for tests.",
            HelpName = "DIR",
            DefaultValueFactory = _ => ConfigfsAttributes.DefaultRoot,
            Recursive = true,
        };
        var command = new Command(
            "configfs",
            "Tell the kernel which dm-crypt keys kdump needs (first kernel), or restore them (kdump kernel), through /sys/kernel/config/crash_dm_crypt_keys.");
        command.Add(root);
        command.Subcommands.Add(Add(root));
        command.Subcommands.Add(Remove(root));
        command.Subcommands.Add(List(root));
        command.Subcommands.Add(Count(root));
        command.Subcommands.Add(Reuse(root));
        command.Subcommands.Add(Restore(root));
        return command;
    }

    private static Command Add(Option<string> root)
    {
        var name = new Argument<string>("NAME") { Description = "The key item's directory name; kdump-utils uses the LUKS UUID." };
        var description = new Argument<string>("DESCRIPTION") { Description = "The logon key's description, 1..128 bytes, e.g. cryptsetup:<LUKS UUID>." };
        var command = new Command("add", "First kernel: create a key item and write its description (removed again if the write fails).") { name, description };
        command.SetAction(parse =>
        {
            string itemName = parse.GetValue(name)!;
            string text = parse.GetValue(description)!;
            if (FindControlCharacter(itemName) is int inName)
            {
                return RefuseControlCharacter(parse, "NAME", inName);
            }

            if (FindControlCharacter(text) is int inDescription)
            {
                return RefuseControlCharacter(parse, "DESCRIPTION", inDescription);
            }

            return Report(parse, "add", Client(parse, root).AddKey(itemName, text));
        });
        return command;
    }

    private static Command Remove(Option<string> root)
    {
        var name = new Argument<string>("NAME") { Description = "The key item to remove." };
        var command = new Command("remove", "First kernel: remove a key item (rmdir).") { name };
        command.SetAction(parse => Report(parse, "remove", Client(parse, root).RemoveKey(parse.GetValue(name)!)));
        return command;
    }

    private static Command List(Option<string> root)
    {
        var command = new Command("list", "First kernel: one line per key item, NAME then a tab then its description ('(none)' when unset), sorted by name.");
        command.SetAction(parse =>
        {
            ConfigfsResult<IReadOnlyList<ConfigfsKeyItem>> items = Client(parse, root).ListKeys();
            if (items.Succeeded)
            {
                foreach (ConfigfsKeyItem item in items.Value)
                {
                    // Both come from the file system, where anyone who can write the root may have put escape sequences.
                    parse.InvocationConfiguration.Output.WriteLine($"{CliText.EscapeMessage(item.Name)}\t{(item.Description is null ? "(none)" : CliText.EscapeMessage(item.Description))}");
                }
            }

            return Report(parse, "list", items.Result);
        });
        return command;
    }

    private static Command Count(Option<string> root)
    {
        var command = new Command("count", "First kernel: the number of key items.");
        command.SetAction(parse =>
        {
            ConfigfsResult<int> count = Client(parse, root).ReadCount();
            if (count.Succeeded)
            {
                parse.InvocationConfiguration.Output.WriteLine(count.Value.ToString(CultureInfo.InvariantCulture));
            }

            return Report(parse, "count", count.Result);
        });
        return command;
    }

    private static Command Reuse(Option<string> root)
    {
        var value = new Argument<string?>("VALUE")
        {
            Description = "true to reuse the saved blob on the next load (after CPU or memory hot-plug), false to stop; omit to print the current value.",
            Arity = ArgumentArity.ZeroOrOne,
        }.AcceptOnlyFromAmong("true", "false");
        var command = new Command("reuse", "First kernel: print or set reuse.") { value };
        command.SetAction(parse =>
        {
            ConfigfsClient client = Client(parse, root);
            string? text = parse.GetValue(value);
            if (text is not null)
            {
                return Report(parse, "reuse", client.WriteReuse(text == "true"));
            }

            ConfigfsResult<bool> read = client.ReadReuse();
            return PrintBool(parse, "reuse", read);
        });
        return command;
    }

    private static Command Restore(Option<string> root)
    {
        var value = new Argument<string?>("VALUE")
        {
            Description = "yes to restore the keys to the user keyring (the kernel does it once); omit to print whether it was done.",
            Arity = ArgumentArity.ZeroOrOne,
        }.AcceptOnlyFromAmong("yes");
        var command = new Command("restore", "kdump kernel: print restore, or write yes to add the saved keys to the user keyring.") { value };
        command.SetAction(parse =>
        {
            ConfigfsClient client = Client(parse, root);
            return parse.GetValue(value) is null
                ? PrintBool(parse, "restore", client.ReadRestore())
                : Report(parse, "restore", client.Restore());
        });
        return command;
    }

    private static ConfigfsClient Client(ParseResult parse, Option<string> root)
    {
        string directory = parse.GetValue(root) ?? ConfigfsAttributes.DefaultRoot;
        return new ConfigfsClient(directory.Length == 0 ? ConfigfsAttributes.DefaultRoot : directory);
    }

    private static int PrintBool(ParseResult parse, string verb, ConfigfsResult<bool> read)
    {
        if (read.Succeeded)
        {
            parse.InvocationConfiguration.Output.WriteLine(read.Value ? "true" : "false");
        }

        return Report(parse, verb, read.Result);
    }

    private static int Report(ParseResult parse, string verb, ConfigfsResult result)
    {
        TextWriter error = parse.InvocationConfiguration.Error;
        foreach (string warning in ConfigfsText.DescribeWarnings(result.Warnings))
        {
            error.WriteLine($"configfs {verb}: warning: {CliText.EscapeMessage(warning)}");
        }

        if (result.Succeeded)
        {
            return Program.ExitOk;
        }

        error.WriteLine($"configfs {verb}: {ConfigfsText.Describe(result, DisplayRoot(parse))}");
        return ExitCode(result.Status);
    }

    private static string DisplayRoot(ParseResult parse) =>
        parse.GetValue<string>("--root") is { Length: > 0 } root ? root : ConfigfsAttributes.DefaultRoot;

    /// <summary>The first C0 or C1 control character or DEL (Unicode category Cc), or null.</summary>
    internal static int? FindControlCharacter(string text)
    {
        foreach (char c in text)
        {
            if (char.IsControl(c))
            {
                return c;
            }
        }

        return null;
    }

    // Item names and descriptions end up in terminals (list, error messages) and in the blob: no controls.
    private static int RefuseControlCharacter(ParseResult parse, string what, int character)
    {
        parse.InvocationConfiguration.Error.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"configfs add: {what} holds a control character (U+{character:X4}); refused before writing"));
        return Program.ExitUsage;
    }

    internal static int ExitCode(ConfigfsStatus status) => status switch
    {
        ConfigfsStatus.Ok => Program.ExitOk,
        ConfigfsStatus.KernelRefused or ConfigfsStatus.ItemExists or ConfigfsStatus.NotFound or ConfigfsStatus.OutOfMemory => Program.ExitInvalid,
        _ => Program.ExitUsage,
    };
}
