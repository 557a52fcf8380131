"""Operations: setting the assistant up and keeping it running, apart from the conversation pipeline.

``doctor`` checks everything the assistant needs, ``service`` runs it from login as a systemd user unit,
``model_install`` installs vosk models.
"""
