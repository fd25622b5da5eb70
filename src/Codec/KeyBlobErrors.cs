namespace CrashDmCrypt.Codec;

/// <summary>
/// The code and the fixed text of each <see cref="KeyBlobError"/>. Codes come from <see cref="ProblemCode"/>; each
/// message is written here once. No message ever contains bytes of the input.
/// </summary>
public static class KeyBlobErrors
{
    /// <summary>A one-line explanation of <paramref name="error"/>, without any input bytes.</summary>
    /// <param name="error">The error.</param>
    /// <returns>One sentence without a final period; "unknown error" for an undefined value.</returns>
    public static string GetMessage(KeyBlobError error) => error switch
    {
        KeyBlobError.None => "no error",
        KeyBlobError.TruncatedHeader => "fewer than 4 bytes: no room for total_keys",
        KeyBlobError.CountZero => "total_keys is 0; the first kernel writes no blob when there are no keys",
        KeyBlobError.CountTooLarge => "total_keys is above 128 (KEY_NUM_MAX)",
        KeyBlobError.TruncatedEntries => "fewer bytes than 4 + 388 * total_keys",
        KeyBlobError.KeySizeZero => "key is empty (key_size 0); a user key holds at least 1 byte",
        KeyBlobError.KeySizeTooLarge => "key is longer than 256 bytes (KEY_SIZE_MAX): the first kernel refuses it, and a restore would read past the entry",
        KeyBlobError.DescriptionNotTerminated => "key_desc has no NUL terminator within its bounds",
        KeyBlobError.DescriptionEmpty => "key_desc is empty",
        KeyBlobError.DescriptionContainsNewline => "key_desc contains a newline, which configfs never stores",
        KeyBlobError.DescriptionNotLogonForm => "key_desc is not in logon form 'prefix:rest' with a non-empty prefix",
        KeyBlobError.DescriptionPaddingNotZero => "non-zero byte after the NUL of key_desc; the kernel zero-fills the blob",
        KeyBlobError.KeyDataPaddingNotZero => "non-zero byte in data after key_size bytes; the kernel zero-fills the blob",
        KeyBlobError.DuplicateDescription => "key_desc repeats an earlier entry's; restore would silently replace that key",
        KeyBlobError.TrailingBytes => "bytes follow the blob and an exact length was required",
        KeyBlobError.DescriptionTooLong => "description is longer than 128 bytes; configfs refuses it",
        KeyBlobError.DescriptionTruncatedByKernel => "description is 128 bytes; the kernel would silently truncate it to 127 (strscpy) and then fail to find the logon key",
        KeyBlobError.DescriptionContainsNul => "description contains a NUL byte",
        _ => "unknown error",
    };

    /// <summary>Stable text code of <paramref name="error"/>, e.g. <c>CDC006</c> for <see cref="KeyBlobError.KeySizeTooLarge"/>.</summary>
    /// <param name="error">The error.</param>
    /// <returns><c>CDC</c> and the member's number in three digits.</returns>
    public static string GetCode(KeyBlobError error) => ProblemCode.Format((int)error);
}
