using System.Buffers.Binary;
using BilbyRelay.Quic.Interop;
using Microsoft.Win32.SafeHandles;

namespace BilbyRelay.Quic.Native;

/// <summary>
/// Hands back the pages of the executable's compressed runtime data once it has been expanded.
/// </summary>
/// <remarks>
/// A Native AOT executable stores its type data compressed (about 1 MB here) and expands it into writable memory
/// before <c>Main</c>. The compressed copy is read once, in full, and never again, yet its pages stay mapped and
/// count towards the relay's resident memory for as long as it runs. <c>MADV_DONTNEED</c> unmaps them: they are
/// clean pages of a read-only file mapping, so nothing is lost, and a later read would only fault them in again
/// from the file.
///
/// The data is found through the runtime's module header, which the <c>__modules</c> section of the executable
/// points to: a table of (section id, flags, start, end) rows, where id 207 is the compressed data. Anything that
/// does not match the layout this build was made with (another runtime version, or the JIT host, which has no such
/// section) releases nothing. The range is released only if it lies inside a read-only segment of the executable,
/// so a misread header can never discard written memory.
/// </remarks>
internal static unsafe class DehydratedImageData
{
    private const string ExecutablePath = "/proc/self/exe";
    private const uint ReadyToRunSignature = 0x00525452;
    private const ushort ReadyToRunMajorVersion = 16;
    private const int DehydratedDataSectionId = 207;
    private const int ModuleHeaderSize = 16;
    private const int ModuleRowSize = 24;
    private const int ElfHeaderSize = 64;
    private const int MinimumTableEntrySize = 0x38;
    private const int MaxTableBytes = 1 << 20;
    private const uint PT_LOAD = 1;
    private const uint PT_PHDR = 6;
    private const uint PF_W = 2;

    private static ReadOnlySpan<byte> ModulesSectionName => "__modules\0"u8;

    /// <summary>Releases the compressed data's whole pages; the released range, or null when there is none.</summary>
    public static (nuint Start, nuint Length)? Release()
    {
        if (!OperatingSystem.IsLinux() || Find() is not { } range)
        {
            return null;
        }

        var page = (nuint)Environment.SystemPageSize;
        var start = (range.Start + page - 1) & ~(page - 1);
        var end = range.End & ~(page - 1);
        if (end <= start || Libc.madvise((void*)start, end - start, LibcConstants.MADV_DONTNEED) != 0)
        {
            return null;
        }

        return (start, end - start);
    }

    /// <summary>The compressed data's range in this process, when the executable has it and it looks as expected.</summary>
    private static (nuint Start, nuint End)? Find() =>
        ReadImageHeaders(ExecutablePath) is { } image ? Locate(image.ProgramHeaders, image.EntrySize, image.ModulesAddress) : null;

    /// <summary>
    /// From the ELF file at <paramref name="path"/>: its program headers (and their entry size) and the link-time
    /// address of its <c>__modules</c> section; null when it has no such section or is not a 64-bit little-endian ELF.
    /// </summary>
    internal static (byte[] ProgramHeaders, int EntrySize, ulong ModulesAddress)? ReadImageHeaders(string path)
    {
        try
        {
            // Only the headers are read: the whole file would cost more memory than the release saves.
            using var file = File.OpenHandle(path);
            var elf = Read(file, 0, ElfHeaderSize);
            if (elf is null || !elf.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) || elf[4] != 2 || elf[5] != 1)
            {
                return null; // only 64-bit little-endian images (x86-64, arm64)
            }

            var programHeaders = ReadTable(file, elf, 0x20, 0x36);
            var sectionHeaders = ReadTable(file, elf, 0x28, 0x3A);
            if (programHeaders is null || sectionHeaders is null
                || ModulesAddress(file, sectionHeaders, TableEntrySize(elf, 0x3A), BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3E))) is not { } modules)
            {
                return null;
            }

            return (programHeaders, TableEntrySize(elf, 0x36), modules);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Follows <c>__modules</c> in memory to the module header and its compressed-data row.</summary>
    private static (nuint Start, nuint End)? Locate(byte[] programHeaders, int entrySize, ulong modulesAddress)
    {
        var phdrInMemory = Libc.getauxval(LibcConstants.AT_PHDR);
        if (phdrInMemory == 0 || FindProgramHeader(programHeaders, entrySize, PT_PHDR) is not { } phdr)
        {
            return null;
        }

        var loadBias = phdrInMemory - (nuint)BinaryPrimitives.ReadUInt64LittleEndian(programHeaders.AsSpan(phdr + 0x10));
        var modules = (nuint)modulesAddress + loadBias;
        if (!IsMapped(programHeaders, entrySize, loadBias, modules, modules + (nuint)sizeof(nuint), readOnly: false))
        {
            return null;
        }

        var header = *(byte**)modules;
        if (!IsMapped(programHeaders, entrySize, loadBias, (nuint)header, (nuint)header + ModuleHeaderSize, readOnly: false))
        {
            return null;
        }

        var rowCount = *(ushort*)(header + 12);
        if (*(uint*)header != ReadyToRunSignature
            || *(ushort*)(header + 4) != ReadyToRunMajorVersion
            || header[14] != ModuleRowSize
            || !IsMapped(programHeaders, entrySize, loadBias, (nuint)header, (nuint)header + ModuleHeaderSize + (nuint)(rowCount * ModuleRowSize), readOnly: false))
        {
            return null;
        }

        for (var i = 0; i < rowCount; i++)
        {
            var row = header + ModuleHeaderSize + (i * ModuleRowSize);
            if (*(int*)row == DehydratedDataSectionId)
            {
                var start = *(nuint*)(row + 8);
                var end = *(nuint*)(row + 16);
                return IsMapped(programHeaders, entrySize, loadBias, start, end, readOnly: true) ? (start, end) : null;
            }
        }

        return null;
    }

    /// <summary>Whether [start, end) lies inside one loaded segment (a read-only one when asked).</summary>
    private static bool IsMapped(byte[] programHeaders, int entrySize, nuint loadBias, nuint start, nuint end, bool readOnly)
    {
        for (var offset = 0; offset + entrySize <= programHeaders.Length; offset += entrySize)
        {
            var header = programHeaders.AsSpan(offset);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != PT_LOAD)
            {
                continue;
            }

            var segmentStart = (nuint)BinaryPrimitives.ReadUInt64LittleEndian(header[0x10..]) + loadBias;
            var segmentEnd = segmentStart + (nuint)BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]);
            var writable = (BinaryPrimitives.ReadUInt32LittleEndian(header[0x04..]) & PF_W) != 0;
            if (start <= end && start >= segmentStart && end <= segmentEnd)
            {
                return !(readOnly && writable);
            }
        }

        return false;
    }

    /// <summary>The offset of the first program header of <paramref name="type"/>.</summary>
    private static int? FindProgramHeader(byte[] programHeaders, int entrySize, uint type)
    {
        for (var offset = 0; offset + entrySize <= programHeaders.Length; offset += entrySize)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(programHeaders.AsSpan(offset)) == type)
            {
                return offset;
            }
        }

        return null;
    }

    /// <summary>The link-time address of the <c>__modules</c> section.</summary>
    private static ulong? ModulesAddress(SafeFileHandle file, byte[] sectionHeaders, int entrySize, ushort namesIndex)
    {
        if ((namesIndex + 1) * entrySize > sectionHeaders.Length)
        {
            return null;
        }

        var names = sectionHeaders.AsSpan(namesIndex * entrySize);
        var namesSize = BinaryPrimitives.ReadUInt64LittleEndian(names[0x20..]);
        if (namesSize > MaxTableBytes || Read(file, BinaryPrimitives.ReadUInt64LittleEndian(names[0x18..]), (int)namesSize) is not { } nameTable)
        {
            return null;
        }

        for (var offset = 0; offset + entrySize <= sectionHeaders.Length; offset += entrySize)
        {
            var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(sectionHeaders.AsSpan(offset));
            if (nameOffset < nameTable.Length && nameTable.AsSpan((int)nameOffset).StartsWith(ModulesSectionName))
            {
                return BinaryPrimitives.ReadUInt64LittleEndian(sectionHeaders.AsSpan(offset + 0x10));
            }
        }

        return null;
    }

    private static int TableEntrySize(byte[] elf, int entrySizeField) => BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(entrySizeField));

    /// <summary>An ELF header table whose offset, entry size and count are at the given fields of the file header.</summary>
    private static byte[]? ReadTable(SafeFileHandle file, byte[] elf, int offsetField, int entrySizeField)
    {
        var entrySize = TableEntrySize(elf, entrySizeField);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(entrySizeField + 2));
        var size = (long)entrySize * count;
        return entrySize < MinimumTableEntrySize || size > MaxTableBytes ? null : Read(file, BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(offsetField)), (int)size);
    }

    /// <summary><paramref name="length"/> bytes at <paramref name="offset"/>, or null when the file is shorter.</summary>
    private static byte[]? Read(SafeFileHandle file, ulong offset, int length)
    {
        var bytes = new byte[length];
        return offset <= long.MaxValue && RandomAccess.Read(file, bytes, (long)offset) == length ? bytes : null;
    }
}
