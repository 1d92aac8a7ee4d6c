"""Upload handling that never writes more of a file than any form could accept.

Django writes every uploaded file in full (to memory, then to a temporary file) before a view sees it, so a
10 GB "scan" would fill the server's disk before the form says it is too large. This handler, first in
FILE_UPLOAD_HANDLERS, passes on at most `ceiling() + 1` bytes of each file and drops the rest as it arrives:
every size check downstream (documents' upload limit, the imports' own smaller limits) still sees a file
larger than its limit and answers with its usual message, and the disk holds at most one byte more than
the largest accepted file.
"""

from django.core.files.uploadhandler import FileUploadHandler

IMPORT_MAX_BYTES = 5 * 1024 * 1024  # the largest import file a form accepts (catalogue listings, survey results)


def ceiling() -> int:
    from congvu.documents.services import max_upload_bytes

    return max(max_upload_bytes(), IMPORT_MAX_BYTES)


class BoundedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.kept = 0
        self.limit = ceiling() + 1

    def receive_data_chunk(self, raw_data, start):
        room = self.limit - self.kept
        if room <= 0:
            return None  # dropped: the next handlers never see it
        chunk = raw_data[:room]
        self.kept += len(chunk)
        return chunk

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file from what was passed on
