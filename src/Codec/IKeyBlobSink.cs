namespace CrashDmCrypt.Codec;

/// <summary>Receives each restored key; in a real tool, the keyring adder (<c>add_key("user", ...)</c>).</summary>
public interface IKeyBlobSink
{
    /// <summary>
    /// Takes one entry. Its spans point into the region being restored, which is cleared as soon as
    /// <see cref="KeyBlobRestorer.Restore{TSink}(Span{byte}, KeyBlobReadOptions, ref TSink)"/> returns or throws:
    /// copy what you keep into memory you clear yourself.
    /// </summary>
    /// <param name="entry">The entry; its spans are valid only during the call.</param>
    void Add(KeyBlobEntry entry);
}
