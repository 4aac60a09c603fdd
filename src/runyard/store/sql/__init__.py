"""store/sql"""
