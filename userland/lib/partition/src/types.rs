//! Partition types with their names: GPT type GUIDs and MBR type ids.
//! Each has a short alias the tools accept (`gpt add -t efi`).

/// A GPT partition type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GptType {
    pub alias: &'static str,
    pub name: &'static str,
    /// Text form, as `sgdisk` and the UEFI spec print it.
    pub guid: &'static str,
}

pub const GPT_TYPES: &[GptType] = &[
    GptType {
        alias: "efi",
        name: "EFI System",
        guid: "c12a7328-f81f-11d2-ba4b-00a0c93ec93b",
    },
    GptType {
        alias: "bios",
        name: "BIOS boot",
        guid: "21686148-6449-6e6f-744e-656564454649",
    },
    GptType {
        alias: "dragonfly-label64",
        name: "DragonFly disklabel64",
        guid: "3d48ce54-1d16-11dc-8696-01301bb8a9f5",
    },
    GptType {
        alias: "dragonfly-label32",
        name: "DragonFly disklabel32",
        guid: "9d087404-1ca5-11dc-8817-01301bb8a9f5",
    },
    GptType {
        alias: "dragonfly-swap",
        name: "DragonFly swap",
        guid: "9d58fdbd-1ca5-11dc-8817-01301bb8a9f5",
    },
    GptType {
        alias: "dragonfly-ufs",
        name: "DragonFly UFS1",
        guid: "9d94ce7c-1ca5-11dc-8817-01301bb8a9f5",
    },
    GptType {
        alias: "dragonfly-hammer",
        name: "DragonFly HAMMER",
        guid: "61dc63ac-6e38-11dc-8513-01301bb8a9f5",
    },
    GptType {
        alias: "dragonfly-hammer2",
        name: "DragonFly HAMMER2",
        guid: "5cbb9ad1-862d-11dc-a94d-01301bb8a9f5",
    },
    GptType {
        alias: "linux",
        name: "Linux filesystem",
        guid: "0fc63daf-8483-4772-8e79-3d69d8477de4",
    },
    GptType {
        alias: "linux-swap",
        name: "Linux swap",
        guid: "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f",
    },
    GptType {
        alias: "linux-root-x86-64",
        name: "Linux root (x86-64)",
        guid: "4f68bce3-e8cd-4db1-96e7-fbcaf984b709",
    },
    GptType {
        alias: "freebsd-ufs",
        name: "FreeBSD UFS",
        guid: "516e7cb6-6ecf-11d6-8ff8-00022d09712b",
    },
    GptType {
        alias: "freebsd-swap",
        name: "FreeBSD swap",
        guid: "516e7cb5-6ecf-11d6-8ff8-00022d09712b",
    },
    GptType {
        alias: "freebsd-boot",
        name: "FreeBSD boot",
        guid: "83bd6b9d-7f41-11dc-be0b-001560b84f0f",
    },
    GptType {
        alias: "ms-basic-data",
        name: "Microsoft basic data",
        guid: "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
    },
];

/// The type with this GUID (on-disk bytes).
pub fn gpt_by_guid(guid: &[u8; 16]) -> Option<&'static GptType> {
    GPT_TYPES
        .iter()
        .find(|t| crate::parse_guid(t.guid).as_ref() == Some(guid))
}

/// A type named by alias or by GUID text; returns the on-disk bytes.
pub fn parse_gpt_type(text: &str) -> Option<[u8; 16]> {
    GPT_TYPES
        .iter()
        .find(|t| t.alias.eq_ignore_ascii_case(text))
        .and_then(|t| crate::parse_guid(t.guid))
        .or_else(|| crate::parse_guid(&text.to_ascii_lowercase()))
}

/// An MBR partition type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbrType {
    pub alias: &'static str,
    pub name: &'static str,
    pub id: u8,
}

pub const MBR_TYPES: &[MbrType] = &[
    MbrType {
        alias: "fat12",
        name: "FAT12",
        id: 0x01,
    },
    MbrType {
        alias: "extended",
        name: "Extended (CHS)",
        id: 0x05,
    },
    MbrType {
        alias: "fat32",
        name: "W95 FAT32 (LBA)",
        id: 0x0c,
    },
    MbrType {
        alias: "extended-lba",
        name: "Extended (LBA)",
        id: 0x0f,
    },
    MbrType {
        alias: "linux-swap",
        name: "Linux swap",
        id: 0x82,
    },
    MbrType {
        alias: "linux",
        name: "Linux",
        id: 0x83,
    },
    MbrType {
        alias: "linux-extended",
        name: "Linux extended",
        id: 0x85,
    },
    MbrType {
        alias: "freebsd",
        name: "FreeBSD",
        id: 0xa5,
    },
    MbrType {
        alias: "dragonfly",
        name: "DragonFly (disklabel)",
        id: 0xa5,
    },
    MbrType {
        alias: "openbsd",
        name: "OpenBSD",
        id: 0xa6,
    },
    MbrType {
        alias: "netbsd",
        name: "NetBSD",
        id: 0xa9,
    },
    MbrType {
        alias: "gpt",
        name: "GPT protective",
        id: 0xee,
    },
    MbrType {
        alias: "efi",
        name: "EFI System",
        id: 0xef,
    },
];

pub fn mbr_by_id(id: u8) -> Option<&'static MbrType> {
    MBR_TYPES.iter().find(|t| t.id == id)
}

/// An MBR type by alias, or as a number (`0x83`, `83` hex, as fdisk takes it).
pub fn parse_mbr_type(text: &str) -> Option<u8> {
    MBR_TYPES
        .iter()
        .find(|t| t.alias.eq_ignore_ascii_case(text))
        .map(|t| t.id)
        .or_else(|| u8::from_str_radix(text.trim_start_matches("0x"), 16).ok())
}

/// Ids that hold a chain of logical slices.
pub fn is_extended(id: u8) -> bool {
    matches!(id, 0x05 | 0x0f | 0x85)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guid_parses_and_aliases_are_unique() {
        for (i, t) in GPT_TYPES.iter().enumerate() {
            let bytes = parse_gpt_type(t.alias).unwrap();
            assert_eq!(gpt_by_guid(&bytes).unwrap().alias, t.alias);
            assert!(GPT_TYPES[..i].iter().all(|u| u.alias != t.alias));
        }
        assert_eq!(parse_mbr_type("linux"), Some(0x83));
        assert_eq!(parse_mbr_type("a5"), Some(0xa5));
        assert_eq!(parse_mbr_type("zz"), None);
    }
}
