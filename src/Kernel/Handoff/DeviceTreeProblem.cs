namespace CrashDmCrypt.Kernel.Handoff;

/// <summary>Why a device tree, or a value for its <c>linux,dmcryptkeys</c> property, was refused, and where.</summary>
public readonly record struct DeviceTreeProblem
{
    /// <summary>The rule that failed; <see cref="DeviceTreeError.None"/> when nothing did.</summary>
    public DeviceTreeError Error { get; internal init; }

    /// <summary>
    /// Byte offset from the DTB's first byte of what failed: the header field (e.g. 4 for <c>totalsize</c>), the
    /// start of a block, the token (a node's FDT_BEGIN_NODE, a property's FDT_PROP) or, for truncation, the end
    /// where more bytes were needed. For the writer it is the offset of the field in the property value.
    /// </summary>
    public int Offset { get; internal init; }

    /// <summary>Stable text code, e.g. <c>CDC224</c>.</summary>
    public string Code => DeviceTreeErrors.GetCode(Error);

    /// <summary>Fixed explanation; never contains input bytes.</summary>
    public string Message => DeviceTreeErrors.GetMessage(Error);

    /// <summary><c>CODE at offset N: message</c>.</summary>
    /// <returns>The problem as one line.</returns>
    public override string ToString() =>
        Error == DeviceTreeError.None ? $"{Code}: {Message}" : $"{Code} at offset {Offset}: {Message}";
}
