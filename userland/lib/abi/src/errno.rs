//! Error numbers (`errno`), as the x86_64 Linux kernel returns them negated in `rax`.
//!
//! Values from `include/uapi/asm-generic/errno-base.h` and `errno.h`; descriptions are
//! glibc's `strerror` texts.

/// A Linux error number (positive; syscalls return `-errno`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Errno(pub i32);

/// Defines the constants and the name/description table in one place.
macro_rules! errnos {
    ($($name:ident = $val:literal, $desc:literal;)*) => {
        impl Errno {
            $(
                #[doc = $desc]
                pub const $name: Errno = Errno($val);
            )*

            /// The symbolic name (`"EPERM"`), or `None` for an unknown value.
            ///
            /// For aliased values the primary name is returned (`EAGAIN`, `EDEADLK`,
            /// `EOPNOTSUPP`).
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// The human-readable description, as glibc's `strerror` gives it
            /// (`"Unknown error"` for an unknown value).
            pub const fn description(self) -> &'static str {
                match self.0 {
                    $($val => $desc,)*
                    _ => "Unknown error",
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted";
    ENOENT = 2, "No such file or directory";
    ESRCH = 3, "No such process";
    EINTR = 4, "Interrupted system call";
    EIO = 5, "Input/output error";
    ENXIO = 6, "No such device or address";
    E2BIG = 7, "Argument list too long";
    ENOEXEC = 8, "Exec format error";
    EBADF = 9, "Bad file descriptor";
    ECHILD = 10, "No child processes";
    EAGAIN = 11, "Resource temporarily unavailable";
    ENOMEM = 12, "Cannot allocate memory";
    EACCES = 13, "Permission denied";
    EFAULT = 14, "Bad address";
    ENOTBLK = 15, "Block device required";
    EBUSY = 16, "Device or resource busy";
    EEXIST = 17, "File exists";
    EXDEV = 18, "Invalid cross-device link";
    ENODEV = 19, "No such device";
    ENOTDIR = 20, "Not a directory";
    EISDIR = 21, "Is a directory";
    EINVAL = 22, "Invalid argument";
    ENFILE = 23, "Too many open files in system";
    EMFILE = 24, "Too many open files";
    ENOTTY = 25, "Inappropriate ioctl for device";
    ETXTBSY = 26, "Text file busy";
    EFBIG = 27, "File too large";
    ENOSPC = 28, "No space left on device";
    ESPIPE = 29, "Illegal seek";
    EROFS = 30, "Read-only file system";
    EMLINK = 31, "Too many links";
    EPIPE = 32, "Broken pipe";
    EDOM = 33, "Numerical argument out of domain";
    ERANGE = 34, "Numerical result out of range";
    EDEADLK = 35, "Resource deadlock avoided";
    ENAMETOOLONG = 36, "File name too long";
    ENOLCK = 37, "No locks available";
    ENOSYS = 38, "Function not implemented";
    ENOTEMPTY = 39, "Directory not empty";
    ELOOP = 40, "Too many levels of symbolic links";
    ENOMSG = 42, "No message of desired type";
    EIDRM = 43, "Identifier removed";
    ECHRNG = 44, "Channel number out of range";
    EL2NSYNC = 45, "Level 2 not synchronized";
    EL3HLT = 46, "Level 3 halted";
    EL3RST = 47, "Level 3 reset";
    ELNRNG = 48, "Link number out of range";
    EUNATCH = 49, "Protocol driver not attached";
    ENOCSI = 50, "No CSI structure available";
    EL2HLT = 51, "Level 2 halted";
    EBADE = 52, "Invalid exchange";
    EBADR = 53, "Invalid request descriptor";
    EXFULL = 54, "Exchange full";
    ENOANO = 55, "No anode";
    EBADRQC = 56, "Invalid request code";
    EBADSLT = 57, "Invalid slot";
    EBFONT = 59, "Bad font file format";
    ENOSTR = 60, "Device not a stream";
    ENODATA = 61, "No data available";
    ETIME = 62, "Timer expired";
    ENOSR = 63, "Out of streams resources";
    ENONET = 64, "Machine is not on the network";
    ENOPKG = 65, "Package not installed";
    EREMOTE = 66, "Object is remote";
    ENOLINK = 67, "Link has been severed";
    EADV = 68, "Advertise error";
    ESRMNT = 69, "Srmount error";
    ECOMM = 70, "Communication error on send";
    EPROTO = 71, "Protocol error";
    EMULTIHOP = 72, "Multihop attempted";
    EDOTDOT = 73, "RFS specific error";
    EBADMSG = 74, "Bad message";
    EOVERFLOW = 75, "Value too large for defined data type";
    ENOTUNIQ = 76, "Name not unique on network";
    EBADFD = 77, "File descriptor in bad state";
    EREMCHG = 78, "Remote address changed";
    ELIBACC = 79, "Can not access a needed shared library";
    ELIBBAD = 80, "Accessing a corrupted shared library";
    ELIBSCN = 81, ".lib section in a.out corrupted";
    ELIBMAX = 82, "Attempting to link in too many shared libraries";
    ELIBEXEC = 83, "Cannot exec a shared library directly";
    EILSEQ = 84, "Invalid or incomplete multibyte or wide character";
    ERESTART = 85, "Interrupted system call should be restarted";
    ESTRPIPE = 86, "Streams pipe error";
    EUSERS = 87, "Too many users";
    ENOTSOCK = 88, "Socket operation on non-socket";
    EDESTADDRREQ = 89, "Destination address required";
    EMSGSIZE = 90, "Message too long";
    EPROTOTYPE = 91, "Protocol wrong type for socket";
    ENOPROTOOPT = 92, "Protocol not available";
    EPROTONOSUPPORT = 93, "Protocol not supported";
    ESOCKTNOSUPPORT = 94, "Socket type not supported";
    EOPNOTSUPP = 95, "Operation not supported";
    EPFNOSUPPORT = 96, "Protocol family not supported";
    EAFNOSUPPORT = 97, "Address family not supported by protocol";
    EADDRINUSE = 98, "Address already in use";
    EADDRNOTAVAIL = 99, "Cannot assign requested address";
    ENETDOWN = 100, "Network is down";
    ENETUNREACH = 101, "Network is unreachable";
    ENETRESET = 102, "Network dropped connection on reset";
    ECONNABORTED = 103, "Software caused connection abort";
    ECONNRESET = 104, "Connection reset by peer";
    ENOBUFS = 105, "No buffer space available";
    EISCONN = 106, "Transport endpoint is already connected";
    ENOTCONN = 107, "Transport endpoint is not connected";
    ESHUTDOWN = 108, "Cannot send after transport endpoint shutdown";
    ETOOMANYREFS = 109, "Too many references: cannot splice";
    ETIMEDOUT = 110, "Connection timed out";
    ECONNREFUSED = 111, "Connection refused";
    EHOSTDOWN = 112, "Host is down";
    EHOSTUNREACH = 113, "No route to host";
    EALREADY = 114, "Operation already in progress";
    EINPROGRESS = 115, "Operation now in progress";
    ESTALE = 116, "Stale file handle";
    EUCLEAN = 117, "Structure needs cleaning";
    ENOTNAM = 118, "Not a XENIX named type file";
    ENAVAIL = 119, "No XENIX semaphores available";
    EISNAM = 120, "Is a named type file";
    EREMOTEIO = 121, "Remote I/O error";
    EDQUOT = 122, "Disk quota exceeded";
    ENOMEDIUM = 123, "No medium found";
    EMEDIUMTYPE = 124, "Wrong medium type";
    ECANCELED = 125, "Operation canceled";
    ENOKEY = 126, "Required key not available";
    EKEYEXPIRED = 127, "Key has expired";
    EKEYREVOKED = 128, "Key has been revoked";
    EKEYREJECTED = 129, "Key was rejected by service";
    EOWNERDEAD = 130, "Owner died";
    ENOTRECOVERABLE = 131, "State not recoverable";
    ERFKILL = 132, "Operation not possible due to RF-kill";
    EHWPOISON = 133, "Memory page has hardware error";
}

impl Errno {
    /// Alias of [`Errno::EAGAIN`].
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// Alias of [`Errno::EDEADLK`].
    pub const EDEADLOCK: Errno = Errno::EDEADLK;
    /// Alias of [`Errno::EOPNOTSUPP`].
    pub const ENOTSUP: Errno = Errno::EOPNOTSUPP;

    /// The value a syscall returns in `rax` for this error: `-errno`.
    pub const fn to_syscall_return(self) -> isize {
        -(self.0 as isize)
    }

    /// Interprets a raw syscall return value: values in `-4095..=-1` are errors.
    pub const fn from_syscall_return(ret: isize) -> Option<Errno> {
        if ret < 0 && ret >= -4095 {
            Some(Errno(-ret as i32))
        } else {
            None
        }
    }
}

impl core::fmt::Display for Errno {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.description()),
            None => write!(f, "errno {}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Errno;
    use crate::check::same_consts;

    #[test]
    fn values_match_libc() {
        same_consts! { i32;
            Errno::EPERM.0 => libc::EPERM,
            Errno::ENOENT.0 => libc::ENOENT,
            Errno::ESRCH.0 => libc::ESRCH,
            Errno::EINTR.0 => libc::EINTR,
            Errno::EIO.0 => libc::EIO,
            Errno::ENXIO.0 => libc::ENXIO,
            Errno::E2BIG.0 => libc::E2BIG,
            Errno::ENOEXEC.0 => libc::ENOEXEC,
            Errno::EBADF.0 => libc::EBADF,
            Errno::ECHILD.0 => libc::ECHILD,
            Errno::EAGAIN.0 => libc::EAGAIN,
            Errno::ENOMEM.0 => libc::ENOMEM,
            Errno::EACCES.0 => libc::EACCES,
            Errno::EFAULT.0 => libc::EFAULT,
            Errno::ENOTBLK.0 => libc::ENOTBLK,
            Errno::EBUSY.0 => libc::EBUSY,
            Errno::EEXIST.0 => libc::EEXIST,
            Errno::EXDEV.0 => libc::EXDEV,
            Errno::ENODEV.0 => libc::ENODEV,
            Errno::ENOTDIR.0 => libc::ENOTDIR,
            Errno::EISDIR.0 => libc::EISDIR,
            Errno::EINVAL.0 => libc::EINVAL,
            Errno::ENFILE.0 => libc::ENFILE,
            Errno::EMFILE.0 => libc::EMFILE,
            Errno::ENOTTY.0 => libc::ENOTTY,
            Errno::ETXTBSY.0 => libc::ETXTBSY,
            Errno::EFBIG.0 => libc::EFBIG,
            Errno::ENOSPC.0 => libc::ENOSPC,
            Errno::ESPIPE.0 => libc::ESPIPE,
            Errno::EROFS.0 => libc::EROFS,
            Errno::EMLINK.0 => libc::EMLINK,
            Errno::EPIPE.0 => libc::EPIPE,
            Errno::EDOM.0 => libc::EDOM,
            Errno::ERANGE.0 => libc::ERANGE,
            Errno::EDEADLK.0 => libc::EDEADLK,
            Errno::ENAMETOOLONG.0 => libc::ENAMETOOLONG,
            Errno::ENOLCK.0 => libc::ENOLCK,
            Errno::ENOSYS.0 => libc::ENOSYS,
            Errno::ENOTEMPTY.0 => libc::ENOTEMPTY,
            Errno::ELOOP.0 => libc::ELOOP,
            Errno::ENOMSG.0 => libc::ENOMSG,
            Errno::EIDRM.0 => libc::EIDRM,
            Errno::ECHRNG.0 => libc::ECHRNG,
            Errno::EL2NSYNC.0 => libc::EL2NSYNC,
            Errno::EL3HLT.0 => libc::EL3HLT,
            Errno::EL3RST.0 => libc::EL3RST,
            Errno::ELNRNG.0 => libc::ELNRNG,
            Errno::EUNATCH.0 => libc::EUNATCH,
            Errno::ENOCSI.0 => libc::ENOCSI,
            Errno::EL2HLT.0 => libc::EL2HLT,
            Errno::EBADE.0 => libc::EBADE,
            Errno::EBADR.0 => libc::EBADR,
            Errno::EXFULL.0 => libc::EXFULL,
            Errno::ENOANO.0 => libc::ENOANO,
            Errno::EBADRQC.0 => libc::EBADRQC,
            Errno::EBADSLT.0 => libc::EBADSLT,
            Errno::EBFONT.0 => libc::EBFONT,
            Errno::ENOSTR.0 => libc::ENOSTR,
            Errno::ENODATA.0 => libc::ENODATA,
            Errno::ETIME.0 => libc::ETIME,
            Errno::ENOSR.0 => libc::ENOSR,
            Errno::ENONET.0 => libc::ENONET,
            Errno::ENOPKG.0 => libc::ENOPKG,
            Errno::EREMOTE.0 => libc::EREMOTE,
            Errno::ENOLINK.0 => libc::ENOLINK,
            Errno::EADV.0 => libc::EADV,
            Errno::ESRMNT.0 => libc::ESRMNT,
            Errno::ECOMM.0 => libc::ECOMM,
            Errno::EPROTO.0 => libc::EPROTO,
            Errno::EMULTIHOP.0 => libc::EMULTIHOP,
            Errno::EDOTDOT.0 => libc::EDOTDOT,
            Errno::EBADMSG.0 => libc::EBADMSG,
            Errno::EOVERFLOW.0 => libc::EOVERFLOW,
            Errno::ENOTUNIQ.0 => libc::ENOTUNIQ,
            Errno::EBADFD.0 => libc::EBADFD,
            Errno::EREMCHG.0 => libc::EREMCHG,
            Errno::ELIBACC.0 => libc::ELIBACC,
            Errno::ELIBBAD.0 => libc::ELIBBAD,
            Errno::ELIBSCN.0 => libc::ELIBSCN,
            Errno::ELIBMAX.0 => libc::ELIBMAX,
            Errno::ELIBEXEC.0 => libc::ELIBEXEC,
            Errno::EILSEQ.0 => libc::EILSEQ,
            Errno::ERESTART.0 => libc::ERESTART,
            Errno::ESTRPIPE.0 => libc::ESTRPIPE,
            Errno::EUSERS.0 => libc::EUSERS,
            Errno::ENOTSOCK.0 => libc::ENOTSOCK,
            Errno::EDESTADDRREQ.0 => libc::EDESTADDRREQ,
            Errno::EMSGSIZE.0 => libc::EMSGSIZE,
            Errno::EPROTOTYPE.0 => libc::EPROTOTYPE,
            Errno::ENOPROTOOPT.0 => libc::ENOPROTOOPT,
            Errno::EPROTONOSUPPORT.0 => libc::EPROTONOSUPPORT,
            Errno::ESOCKTNOSUPPORT.0 => libc::ESOCKTNOSUPPORT,
            Errno::EOPNOTSUPP.0 => libc::EOPNOTSUPP,
            Errno::EPFNOSUPPORT.0 => libc::EPFNOSUPPORT,
            Errno::EAFNOSUPPORT.0 => libc::EAFNOSUPPORT,
            Errno::EADDRINUSE.0 => libc::EADDRINUSE,
            Errno::EADDRNOTAVAIL.0 => libc::EADDRNOTAVAIL,
            Errno::ENETDOWN.0 => libc::ENETDOWN,
            Errno::ENETUNREACH.0 => libc::ENETUNREACH,
            Errno::ENETRESET.0 => libc::ENETRESET,
            Errno::ECONNABORTED.0 => libc::ECONNABORTED,
            Errno::ECONNRESET.0 => libc::ECONNRESET,
            Errno::ENOBUFS.0 => libc::ENOBUFS,
            Errno::EISCONN.0 => libc::EISCONN,
            Errno::ENOTCONN.0 => libc::ENOTCONN,
            Errno::ESHUTDOWN.0 => libc::ESHUTDOWN,
            Errno::ETOOMANYREFS.0 => libc::ETOOMANYREFS,
            Errno::ETIMEDOUT.0 => libc::ETIMEDOUT,
            Errno::ECONNREFUSED.0 => libc::ECONNREFUSED,
            Errno::EHOSTDOWN.0 => libc::EHOSTDOWN,
            Errno::EHOSTUNREACH.0 => libc::EHOSTUNREACH,
            Errno::EALREADY.0 => libc::EALREADY,
            Errno::EINPROGRESS.0 => libc::EINPROGRESS,
            Errno::ESTALE.0 => libc::ESTALE,
            Errno::EUCLEAN.0 => libc::EUCLEAN,
            Errno::ENOTNAM.0 => libc::ENOTNAM,
            Errno::ENAVAIL.0 => libc::ENAVAIL,
            Errno::EISNAM.0 => libc::EISNAM,
            Errno::EREMOTEIO.0 => libc::EREMOTEIO,
            Errno::EDQUOT.0 => libc::EDQUOT,
            Errno::ENOMEDIUM.0 => libc::ENOMEDIUM,
            Errno::EMEDIUMTYPE.0 => libc::EMEDIUMTYPE,
            Errno::ECANCELED.0 => libc::ECANCELED,
            Errno::ENOKEY.0 => libc::ENOKEY,
            Errno::EKEYEXPIRED.0 => libc::EKEYEXPIRED,
            Errno::EKEYREVOKED.0 => libc::EKEYREVOKED,
            Errno::EKEYREJECTED.0 => libc::EKEYREJECTED,
            Errno::EOWNERDEAD.0 => libc::EOWNERDEAD,
            Errno::ENOTRECOVERABLE.0 => libc::ENOTRECOVERABLE,
            Errno::ERFKILL.0 => libc::ERFKILL,
            Errno::EHWPOISON.0 => libc::EHWPOISON,
            Errno::EWOULDBLOCK.0 => libc::EWOULDBLOCK,
            Errno::EDEADLOCK.0 => libc::EDEADLOCK,
            Errno::ENOTSUP.0 => libc::ENOTSUP,
        }
    }

    #[test]
    fn names_and_descriptions() {
        assert_eq!(Errno::EPERM.name(), Some("EPERM"));
        assert_eq!(Errno::EPERM.description(), "Operation not permitted");
        assert_eq!(Errno::ENOENT.description(), "No such file or directory");
        assert_eq!(Errno::EWOULDBLOCK.name(), Some("EAGAIN"));
        assert_eq!(Errno(libc::ENOSYS).name(), Some("ENOSYS"));
        assert_eq!(Errno::EHWPOISON.name(), Some("EHWPOISON"));
        assert_eq!(Errno(0).name(), None);
        assert_eq!(Errno(41).name(), None);
        assert_eq!(Errno(58).name(), None);
        assert_eq!(Errno(134).name(), None);
        assert_eq!(Errno(-1).description(), "Unknown error");
    }

    /// Every known value has a name, and its description is what the host's
    /// `strerror_r` says (through `std::io::Error`).
    #[test]
    fn descriptions_match_host_strerror() {
        for n in 1..=133 {
            let errno = Errno(n);
            assert_eq!(errno.name().is_some(), n != 41 && n != 58, "{n}");
            if errno.name().is_some() {
                let expected = std::io::Error::from_raw_os_error(n).to_string();
                assert_eq!(format!("{} (os error {n})", errno.description()), expected);
            }
        }
    }

    #[test]
    fn syscall_return_encoding() {
        assert_eq!(Errno::ENOENT.to_syscall_return(), -2);
        assert_eq!(Errno::from_syscall_return(-2), Some(Errno::ENOENT));
        assert_eq!(Errno::from_syscall_return(-4095), Some(Errno(4095)));
        assert_eq!(Errno::from_syscall_return(-4096), None);
        assert_eq!(Errno::from_syscall_return(0), None);
        assert_eq!(Errno::from_syscall_return(3), None);
    }
}
