using System.Buffers;
using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using CrashDmCrypt.Cli.Common;
using CrashDmCrypt.Codec;

namespace CrashDmCrypt.Cli.Commands;

/// <summary>
/// <c>build -o OUT [--byte-order B] --key DESC=hex:HEX|DESC=@KEYFILE ...</c>: writes a blob as
/// <c>build_keys_header</c> would. Any refused input exits 2 and leaves no output file.
/// </summary>
internal static class BuildCommand
{
    // Descriptions that are not valid Unicode are refused rather than silently replaced with U+FFFD.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Command Create()
    {
        var output = new Option<string>("--output", "-o")
        {
            Description = "The blob file to write (replaced whole, or left untouched when anything is refused).",
            HelpName = "OUT",
            Required = true,
        };
        var byteOrder = CliOptions.ByteOrder();
        var keys = new Option<string[]>("--key", "-k")
        {
            Description = "A key, in configfs order: DESC=hex:HEX (key bytes as hex), DESC=@KEYFILE (the file's raw bytes) or DESC=@- (standard input, once). "
                + "DESC ends at the first '=' followed by 'hex:' or '@'. Repeat for up to 128 keys.",
            HelpName = "DESC=hex:HEX|DESC=@KEYFILE",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("build", "Write a blob byte for byte as the first kernel's build_keys_header does.")
        {
            output,
            byteOrder,
            keys,
        };
        command.SetAction(parse => Run(
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            parse.GetValue(output) ?? string.Empty,
            parse.GetValue(byteOrder),
            parse.GetValue(keys) ?? []));
        return command;
    }

    private static int Run(TextWriter output, TextWriter error, string outputPath, KeyBlobByteOrder byteOrder, string[] arguments)
    {
        var secrets = new List<SecretBuffer>(arguments.Length);
        var labels = new string[arguments.Length];
        var keys = new KeyBlobKey[arguments.Length];
        try
        {
            bool standardInputUsed = false;
            for (int i = 0; i < arguments.Length; i++)
            {
                if (!TryLoadKey(arguments[i], ref standardInputUsed, out byte[]? description, out SecretBuffer? key, out string? message))
                {
                    // Never echo the argument: it may be hex key material.
                    error.WriteLine(description is null ? $"build: key {i}: {message}" : $"build: key {i} ({DescriptionText.Escape(description)}): {message}");
                    return Program.ExitUsage;
                }

                secrets.Add(key);
                labels[i] = DescriptionText.Escape(description);
                keys[i] = new KeyBlobKey(description, key.Memory);
            }

            // One validation on the way to a written blob; the full list only when something is refused.
            using var blob = new SecretBuffer(KeyBlobWriter.GetRequiredSize(Math.Min(keys.Length, KeyBlobLayout.MaxKeys)));
            if (KeyBlobWriter.Write(keys, blob.Span, new KeyBlobWriteOptions { ByteOrder = byteOrder }, out int size, out _) != OperationStatus.Done)
            {
                Span<KeyBlobProblem> first = stackalloc KeyBlobProblem[16];
                int count = KeyBlobWriter.CollectProblems(keys, first);
                KeyBlobProblem[] problems = first[..Math.Min(count, first.Length)].ToArray();
                if (count > first.Length)
                {
                    problems = new KeyBlobProblem[count];
                    KeyBlobWriter.CollectProblems(keys, problems);
                }

                foreach (KeyBlobProblem problem in problems)
                {
                    error.WriteLine(problem.EntryIndex < 0
                        ? $"build: {keys.Length} keys given: {problem.Code} {problem.Message}"
                        : $"build: key {problem.EntryIndex} ({labels[problem.EntryIndex]}): {problem.Code} {problem.Message}");
                }

                return Program.ExitUsage;
            }

            if (!AtomicFile.TryWrite(outputPath, blob.Span[..size], out string? writeError))
            {
                error.WriteLine($"build: {writeError}");
                return Program.ExitUsage;
            }

            output.WriteLine($"build: wrote {outputPath}: {keys.Length} key{(keys.Length == 1 ? string.Empty : "s")}, {size} bytes, {BlobDigest.FormatWithoutKeys(blob.Span[..size])}, {CliOptions.Name(byteOrder)}-endian");
            return Program.ExitOk;
        }
        finally
        {
            foreach (SecretBuffer secret in secrets)
            {
                secret.Dispose();
            }
        }
    }

    // The kernel takes a description's bytes as they are, but .NET decodes argv as UTF-8 and turns invalid
    // bytes into U+FFFD; such a description's bytes are recovered from /proc/self/cmdline, as cmdline TEXT does.
    private static bool TryGetDescriptionBytes(
        string argument,
        string descriptionText,
        [NotNullWhen(true)] out byte[]? description,
        [NotNullWhen(false)] out string? error)
    {
        if (!descriptionText.Contains('\uFFFD', StringComparison.Ordinal))
        {
            try
            {
                (description, error) = (StrictUtf8.GetBytes(descriptionText), null);
                return true;
            }
            catch (EncoderFallbackException)
            {
                (description, error) = (null, "the description is not valid Unicode");
                return false;
            }
        }

        // The whole argument holds the key's hex digits too: clear its copy whatever happens.
        byte[] raw = [];
        try
        {
            if (CommandLineBytes.TryGet(argument, out raw))
            {
                // The description ends at the first '=' whose prefix decodes to the text KeyArgument split off.
                for (int equals = raw.AsSpan().IndexOf((byte)'='); equals >= 0; equals = NextEquals(raw, equals))
                {
                    if (Encoding.UTF8.GetString(raw, 0, equals) == descriptionText)
                    {
                        (description, error) = (raw[..equals], null);
                        return true;
                    }
                }
            }

            (description, error) = (null, "the description is not valid UTF-8 and its bytes could not be recovered from /proc/self/cmdline");
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(raw);
        }
    }

    private static int NextEquals(byte[] raw, int equals)
    {
        int next = raw.AsSpan(equals + 1).IndexOf((byte)'=');
        return next < 0 ? -1 : equals + 1 + next;
    }

    // The key bytes go straight from the hex text or the file into a pinned buffer.
    private static bool TryLoadKey(
        string argument,
        ref bool standardInputUsed,
        out byte[]? description,
        [NotNullWhen(true)] out SecretBuffer? key,
        [NotNullWhen(false)] out string? error)
    {
        key = null;
        description = null;
        if (!KeyArgument.TrySplit(argument, out string descriptionText, out KeyArgument.Source source, out int valueStart))
        {
            error = "expected DESC=hex:HEX or DESC=@KEYFILE";
            return false;
        }

        if (!TryGetDescriptionBytes(argument, descriptionText, out description, out error))
        {
            return false;
        }

        if (source == KeyArgument.Source.Hex)
        {
            if (!KeyHex.TryDecode(argument.AsSpan(valueStart), out key))
            {
                error = "the text after 'hex:' is not an even number of hex digits";
                return false;
            }

            error = null;
            return true;
        }

        // One byte more than a key may hold is enough for the writer to refuse an oversized file: a 257th
        // byte means "too long" (CDC006), from a file, a pipe or a device alike.
        string path = argument[valueStart..];
        if (path == KeyArgument.StandardInput)
        {
            if (standardInputUsed)
            {
                error = "standard input ('@-') can give one key only";
                return false;
            }

            standardInputUsed = true;
            if (!PinnedFile.TryReadStandardInput(KeyBlobLayout.MaxKeySize + 1, out key, out string? stdinError))
            {
                error = stdinError;
                return false;
            }
        }
        else if (!PinnedFile.TryRead(path, 0, KeyBlobLayout.MaxKeySize + 1, out key, out string? readError))
        {
            error = $"key file: {readError}";
            return false;
        }

        error = null;
        return true;
    }
}
